using EtcdBackupd.Configuration;
using EtcdBackupd.Hosting;
using EtcdBackupd.Preflight;
using EtcdBackupd.Reload;

namespace EtcdBackupd.Control.Handlers;

/// <summary>
/// <c>check</c>: the preflight, run by the daemon on the configuration in force, after reading its file
/// again (is it still valid, and does it differ from what runs?). Root and <c>Control.Group</c>: like
/// <c>peers</c>, it reads and connects but changes nothing (its probe files are removed at once). One
/// runs at a time, and a caller other than root is answered with a run that ended in the last
/// <see cref="GroupReuse"/>, or while it waited, if there is one: each run opens an SSH connection to
/// every peer, and a member of the group asking in a loop would otherwise have the peers' sshd refuse
/// the daemon's own copies (MaxStartups) or ban this master. A caller that leaves while it waits (or
/// while its run runs) takes its turn with it.
/// </summary>
internal sealed class CheckHandler(LiveConfiguration live, TimeProvider time, ILogger<CheckHandler> logger)
    : ControlHandler<CheckRequest>(ProtocolJsonContext.Default.CheckRequest), IDisposable
{
    private static readonly TimeSpan GroupReuse = TimeSpan.FromSeconds(30);
    private readonly SemaphoreSlim _one = new(1, 1);
    private (DateTimeOffset Ended, CheckResult Result)? _last;

    public override string Name => CheckRequest.Name;

    public void Dispose() => _one.Dispose();

    protected override async Task<Reply> RunAsync(CheckRequest arguments, ControlCall call, CancellationToken cancellationToken)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, call.CallerGone);
        var asked = time.GetUtcNow();
        try
        {
            await _one.WaitAsync(either.Token);
        }
        catch (OperationCanceledException) when (call.CallerGone.IsCancellationRequested)
        {
            return Reply.Failure(ErrorCodes.Failed, "the caller closed the connection before its check ran");
        }

        try
        {
            // A run that ended while this caller waited is as fresh as one it would start now.
            if (!call.Peer.IsRoot && _last is { } last && (last.Ended >= asked || time.GetUtcNow() - last.Ended < GroupReuse))
            {
                return Reply.Success(last.Result, ProtocolJsonContext.Default.CheckResult);
            }

            var result = await PreflightRun.RunAsync(ConfigurationLine(), live.Current, time, logger, either.Token);
            _last = (time.GetUtcNow(), result);
            return Reply.Success(result, ProtocolJsonContext.Default.CheckResult);
        }
        catch (OperationCanceledException) when (call.CallerGone.IsCancellationRequested)
        {
            return Reply.Failure(ErrorCodes.Failed, "the caller closed the connection; the check was stopped");
        }
        finally
        {
            _one.Release();
        }
    }

    private CheckLine ConfigurationLine()
    {
        try
        {
            var file = DaemonConfiguration.Load(live.Path, time);
            var changes = ConfigurationChanges.Between(live.Current.Settings, file.Settings);
            return new CheckLine(CheckNames.Configuration, true, $"{live.Path}: every key known and valid"
                + (changes.Count == 0 ? "; it is the configuration in force"
                    : $"; it differs from the configuration in force in {string.Join(", ", changes.Select(Describe))}"));
        }
        catch (ConfigurationException e)
        {
            return new CheckLine(CheckNames.Configuration, false,
                $"{live.Path}: {string.Join("; ", e.Problems)}; the daemon runs on the configuration it last loaded, and a reload would be refused");
        }
    }

    private static string Describe(SettingChange change) =>
        change.Key + (ConfigurationChanges.TakesEffect(change.Key) ? " (systemctl reload etcd-backupd applies it)" : " (needs a restart)");
}
