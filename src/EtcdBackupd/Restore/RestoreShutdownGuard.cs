using EtcdBackupd.Systemd;
using Microsoft.Extensions.Hosting;

namespace EtcdBackupd.Restore;

/// <summary>
/// A stop (SIGTERM: <c>systemctl restart</c>, a package upgrade) never abandons a restore. Registered
/// last, this service is stopped first: while a restore is under way on this member (the coordinator's
/// whole run, or a member's open session), it holds the stop, asks systemd for more time
/// (<c>EXTEND_TIMEOUT_USEC</c>), and keeps the control socket serving, so the restore completes or rolls
/// back everywhere before the daemon exits. The journal says what it waits for and when it is done.
/// A session whose coordinator is gone (its lease ran out) does not hold the stop: it is in the state
/// directory, and the daemon reloads it when it starts.
/// </summary>
internal sealed class RestoreShutdownGuard(
    RestoreActivity activity, LocalRestore restore, Notifications notifications, TimeProvider time, ILogger<RestoreShutdownGuard> logger)
    : IHostedService
{
    /// <summary>systemd is asked for this much more each time; asked again well before it runs out.</summary>
    private static readonly TimeSpan Extension = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Waits for the restore whatever the host's shutdown timeout says: a half-restored cluster is worse than a late exit.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (activity.UnderWay is null && !activity.Running)
        {
            return;
        }

        var underWay = activity.UnderWay ?? "a cluster restore";
        if (!activity.Running && restore.OpenState is not { LeaseSecondsLeft: > 0 })
        {
            RestoreLog.StopKeeps(logger, underWay);
            return;
        }

        RestoreLog.StopWaits(logger, underWay);
        var extended = time.GetTimestamp();
        notifications.Send($"EXTEND_TIMEOUT_USEC={(long)Extension.TotalMicroseconds}");
        notifications.Send($"STATUS=stopping: waiting for {underWay} to complete or roll back");
        while (activity.Running || restore.OpenState is { LeaseSecondsLeft: > 0 })
        {
            if (time.GetElapsedTime(extended) > Extension / 2)
            {
                notifications.Send($"EXTEND_TIMEOUT_USEC={(long)Extension.TotalMicroseconds}");
                extended = time.GetTimestamp();
            }

            await Task.Delay(Poll, time, CancellationToken.None);
        }

        if (activity.UnderWay is { } left)
        {
            RestoreLog.StopKeeps(logger, left);
            return;
        }

        RestoreLog.StopProceeds(logger, underWay);
    }
}
