using System.Diagnostics;
using System.Runtime.InteropServices;
using EtcdBackupd.Configuration;
using EtcdBackupd.Hosting;
using EtcdBackupd.Metrics;
using EtcdBackupd.Restore;
using EtcdBackupd.Service;
using EtcdBackupd.Systemd;
using Microsoft.Extensions.Hosting;

namespace EtcdBackupd.Reload;

/// <summary>
/// SIGHUP (<c>systemctl reload</c>) reads the configuration file again. A valid file is put in force between
/// snapshots and restores, and what changed is logged; an invalid one is refused with every problem, and the
/// configuration in force stays. systemd hears <c>RELOADING=1</c> first and <c>READY=1</c> when it is done.
/// </summary>
internal sealed class ReloadService(
    LiveConfiguration live, SnapshotCoordinator snapshots, RestoreActivity restores, TextfileMetrics metrics,
    Notifications notifications, DaemonState state, TimeProvider time, ILogger<ReloadService> logger) : BackgroundService
{
    private readonly SemaphoreSlim _requests = new(0, 1);
    private PosixSignalRegistration? _sighup;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Without a handler, SIGHUP ends the process (exit 129).
        _sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            Request();
        });
        return base.StartAsync(cancellationToken);
    }

    /// <summary>Signals that arrive while a reload is pending fold into it: it reads the file as it is then.</summary>
    private void Request()
    {
        if (_requests.CurrentCount == 0)
        {
            try
            {
                _requests.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another signal got there first: one reload is pending, which is all that is needed.
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await _requests.WaitAsync(stoppingToken);
            await ReloadAsync(stoppingToken);
        }
    }

    private async Task ReloadAsync(CancellationToken stoppingToken)
    {
        notifications.Send($"RELOADING=1\nMONOTONIC_USEC={MonotonicMicroseconds()}\nSTATUS=reloading the configuration");
        ReloadLog.Requested(logger, live.Path);
        DaemonConfiguration next;
        try
        {
            next = DaemonConfiguration.Load(live.Path, time);
        }
        catch (ConfigurationException e)
        {
            // A syntax error's parser text goes to EXCEPTION; MESSAGE and STATUS= have the file, line and column in words.
            ReloadLog.Refused(logger, string.Join("; ", e.Problems), e.InnerException);
            notifications.Send($"READY=1\nSTATUS=configuration reload refused ({string.Join("; ", e.Problems)}); {state.Describe()}");
            return;
        }

        var metricsBefore = live.Metrics.Current.TextfilePath;
        var (applied, needRestart) = await WhenIdleAsync(() => live.Apply(next), stoppingToken);
        metrics.Reloaded(metricsBefore);
        ReloadLog.Reloaded(logger, live.Path, applied.Count == 0 ? "no change" : string.Join("; ", applied));
        if (needRestart.Count > 0)
        {
            ReloadLog.NeedsRestart(logger, string.Join("; ", needRestart));
        }

        notifications.Send($"READY=1\nSTATUS={state.Describe()}");
    }

    /// <summary>Runs <paramref name="apply"/> when no restore is under way and no snapshot runs, none starting until it returns.</summary>
    private async Task<T> WhenIdleAsync<T>(Func<T> apply, CancellationToken stoppingToken)
    {
        var logged = new HashSet<string>();
        while ((restores.UnderWay ?? (restores.Running ? "restore work" : null)) is { } restore)
        {
            if (logged.Add(restore))
            {
                ReloadLog.Waiting(logger, restore);
            }

            await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken);
        }

        return await snapshots.BetweenSnapshotsAsync(apply, () =>
        {
            if (logged.Add("snapshot"))
            {
                ReloadLog.Waiting(logger, "the snapshot under way");
            }
        }, stoppingToken);
    }

    /// <summary>
    /// CLOCK_MONOTONIC in microseconds, which systemd compares with its own clock to tell this reload from
    /// an earlier one: the kernel's clock (Stopwatch reads CLOCK_MONOTONIC on Linux), never an injected one.
    /// </summary>
    private static long MonotonicMicroseconds() => Stopwatch.GetTimestamp() / (Stopwatch.Frequency / 1_000_000);

    public override void Dispose()
    {
        _sighup?.Dispose();
        _requests.Dispose();
        base.Dispose();
    }
}
