using EtcdBackupd.Configuration;
using EtcdBackupd.Control;
using EtcdBackupd.Control.Handlers;
using EtcdBackupd.Fetch;
using EtcdBackupd.Health;
using EtcdBackupd.Import;
using EtcdBackupd.Lineage;
using EtcdBackupd.Logging;
using EtcdBackupd.Metrics;
using EtcdBackupd.Offsite;
using EtcdBackupd.Peers;
using EtcdBackupd.Reload;
using EtcdBackupd.Restore;
using EtcdBackupd.Retention;
using EtcdBackupd.Schedule;
using EtcdBackupd.Service;
using EtcdBackupd.State;
using EtcdBackupd.Systemd;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serilog;

namespace EtcdBackupd.Hosting;

/// <summary><c>etcd-backupd [--config FILE]</c>: the long-running service.</summary>
internal static class DaemonHost
{
    public static async Task<int> RunAsync(string configPath, CancellationToken cancellationToken)
    {
        var time = TimeProvider.System;
        var notifications = new Notifications();
        DaemonConfiguration configuration;
        try
        {
            configuration = DaemonConfiguration.Load(configPath, time);
        }
        catch (ConfigurationException e)
        {
            // systemd shows both: the journal line in `systemctl status`, and the status text.
            await Console.Error.WriteLineAsync($"etcd-backupd: {e.Message}");
            notifications.Send($"STATUS=configuration error: {string.Join("; ", e.Problems)}");
            return ExitCodes.Usage;
        }

        var level = new Serilog.Core.LoggingLevelSwitch();
        using var serilog = DaemonLogging.Create(configuration.Logging, level);
        try
        {
            using var host = Build(new LiveConfiguration(configPath, configuration, level, time), notifications, time, serilog);
            var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("etcd-backupd");
            var s = configuration.Schedule;
            var schedules = string.Join(", ", s.Schedules);
            var takenBy = s.TakenBy.ToString().ToLowerInvariant();
            ServiceLog.Started(logger, ProductInfo.Version, configuration.Snapshots.Directory, schedules, s.TimeZone.Id, takenBy,
                configuration.Retention.RetentionDays, configuration.Retention.MinimumKept);
            // Resolved before the run: RunAsync disposes the host, and its services with it. Singletons, so the
            // very instances the host starts.
            var loops = host.Services.GetServices<IHostedService>().OfType<BackgroundService>().ToList();
            // Which loop had died when the host began to stop: one that died first is why it stops. One that throws
            // after a SIGTERM (a gRPC call cancelled by the stop says so with an RpcException, not a cancellation)
            // died of the stop, and is no crash.
            BackgroundService? diedFirst = null;
            using var stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping
                .Register(() => diedFirst = loops.FirstOrDefault(service => service.ExecuteTask?.IsFaulted == true));
            await host.RunAsync(cancellationToken);
            // A loop that died stops the host (BackgroundServiceExceptionBehavior.StopHost), and RunAsync then
            // returns as after a SIGTERM: exit 0 would keep Restart=on-failure from bringing the daemon back.
            if (diedFirst is { } died)
            {
                serilog.Error(died.ExecuteTask!.Exception!.GetBaseException(), "Stopped because {Service} failed: {Reason}", died.GetType().Name,
                    died.ExecuteTask.Exception.GetBaseException().Message);
                notifications.Send($"STATUS=stopped: {died.GetType().Name} failed: {died.ExecuteTask.Exception.GetBaseException().Message}");
                return ExitCodes.Failed;
            }

            return ExitCodes.Success;
        }
        catch (ConfigurationException e)
        {
            serilog.Error("Cannot start: {Reason}", e.Message);
            notifications.Send($"STATUS=cannot start: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException)
        {
            serilog.Error(e, "Cannot start: {Reason}", e.Message);
            notifications.Send($"STATUS=cannot start: {e.Message}");
            return ExitCodes.Failed;
        }
    }

    private static IHost Build(LiveConfiguration live, Notifications notifications, TimeProvider time, Serilog.ILogger serilog)
    {
        // The start's values, for the services a reload does not reach; the others take live.* sections (see ConfigurationChanges).
        var configuration = live.Current;
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSystemd();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20));
        builder.Logging.ClearProviders().AddSerilog(serilog);
        builder.Services
            .AddSingleton(time)
            .AddSingleton(notifications)
            .AddSingleton(live)
            .AddSingleton(configuration.Etcd)
            .AddSingleton(configuration.Snapshots)
            .AddSingleton(live.Schedule)
            .AddSingleton(live.Retention)
            .AddSingleton(live.Metrics)
            .AddSingleton(live.Peers)
            .AddSingleton(new SnapshotDirectory(configuration.Snapshots.Directory))
            .AddSingleton(new SnapshotVerifier(new VerificationCache(configuration.State.Directory)))
            .AddSingleton(sp => new CopyLedger(configuration.State.Directory, sp.GetRequiredService<ILoggerFactory>().CreateLogger<CopyLedger>()))
            .AddSingleton(live.Health)
            .AddSingleton(new EtcdProbe(configuration.Etcd))
            .AddSingleton<HealthCheck>()
            .AddSingleton<DaemonState>()
            .AddSingleton(sp => new ClusterLineage(configuration.State.Directory, time,
                sp.GetRequiredService<ILoggerFactory>().CreateLogger<ClusterLineage>()))
            .AddSingleton<LineageCheck>()
            .AddSingleton(sp => new SnapshotEngine(configuration.Etcd, configuration.Snapshots, time,
                sp.GetRequiredService<ILoggerFactory>().CreateLogger<SnapshotEngine>(), sp.GetRequiredService<ClusterLineage>()))
            .AddSingleton(sp => new PeerPusher(live.Peers, time,
                sp.GetRequiredService<ILoggerFactory>().CreateLogger<PeerPusher>()) { Ledger = sp.GetRequiredService<CopyLedger>() })
            .AddSingleton(sp => new PeerFetcher(live.Peers, sp.GetRequiredService<ClusterLineage>(), configuration.Snapshots.Directory, sp.GetRequiredService<SnapshotVerifier>(), time,
                sp.GetRequiredService<ILoggerFactory>().CreateLogger<PeerFetcher>()))
            .AddSingleton(configuration.Offsite)
            .AddSingleton(Live<OffsiteOptions>.Of(configuration.Offsite))
            .AddSingleton<OffsiteInventory>()
            .AddSingleton(sp => new OffsiteFetcher(sp.GetRequiredService<Live<OffsiteOptions>>(), sp.GetRequiredService<ClusterLineage>(), configuration.Snapshots.Directory,
                sp.GetRequiredService<SnapshotVerifier>(), time, sp.GetRequiredService<ILoggerFactory>().CreateLogger<OffsiteFetcher>()))
            .AddSingleton(sp => new OffsiteUploader(configuration.Offsite, time, sp.GetRequiredService<ILoggerFactory>().CreateLogger<OffsiteUploader>())
            {
                Ledger = sp.GetRequiredService<CopyLedger>(),
                OnUploaded = (target, bytes) => sp.GetRequiredService<DaemonState>().Uploading(target.Name, bytes),
            })
            .AddSingleton<RetentionService>()
            .AddSingleton<SnapshotPins>()
            .AddSingleton<RemoteRetention>()
            .AddSingleton(sp => new BucketRetention(configuration.Offsite, live.Retention, sp.GetRequiredService<SnapshotDirectory>(), sp.GetRequiredService<ClusterLineage>(), time,
                sp.GetRequiredService<ILogger<BucketRetention>>()))
            .AddSingleton<SnapshotCoordinator>()
            .AddSingleton<ISnapshotTrigger>(sp => sp.GetRequiredService<SnapshotCoordinator>())
            .AddSingleton<IMemberRoleSource, MemberRoleProbe>()
            .AddSingleton(configuration.Control)
            .AddSingleton<StatusReport>()
            .AddSingleton(configuration.Restore)
            .AddSingleton(new RestoreActivity(RestoreLock.In(configuration.State.Directory)))
            .AddSingleton(sp => new LocalRestore(configuration.Restore, configuration.Etcd,
                configuration.Restore.Services(time),
                time, sp.GetRequiredService<ILoggerFactory>().CreateLogger<LocalRestore>(), sp.GetRequiredService<RestoreActivity>(),
                new SessionStore(configuration.State.Directory, sp.GetRequiredService<ILoggerFactory>().CreateLogger<SessionStore>()),
                RestoreLock.In(configuration.State.Directory)))
            .AddSingleton<MemberPhases>()
            .AddSingleton<RestoreRequestRunner>()
            .AddSingleton(sp => new ClusterRestore(live.Peers, configuration.Restore, sp.GetRequiredService<MemberPhases>(), sp.GetRequiredService<LineageCheck>(), time,
                sp.GetRequiredService<ILoggerFactory>().CreateLogger<ClusterRestore>()))
            .AddSingleton<SnapshotPaths>()
            .AddSingleton<SnapshotImporter>()
            .AddSingleton<ControlJournalBudget>()
            .AddSingleton<ControlDispatcher>()
            .AddSingleton<TextfileMetrics>();
        // The control commands, in the order `unknown_command` lists them; each handler names itself and its access.
        builder.Services
            .AddSingleton<IControlHandler, StatusHandler>()
            .AddSingleton<IControlHandler, SnapshotHandler>()
            .AddSingleton<IControlHandler, ListHandler>()
            .AddSingleton<IControlHandler, VerifyHandler>()
            .AddSingleton<IControlHandler, PruneHandler>()
            .AddSingleton<IControlHandler, PinHandler>()
            .AddSingleton<IControlHandler, UnpinHandler>()
            .AddSingleton<IControlHandler, PeersHandler>()
            .AddSingleton<IControlHandler, CheckHandler>()
            .AddSingleton<IControlHandler, RestoreHandler>()
            .AddSingleton<IControlHandler, FetchHandler>()
            .AddSingleton<IControlHandler, ImportHandler>()
            .AddSingleton<IControlHandler, RestorePhaseHandler>()
            .AddSingleton<IControlHandler, RecoverHandler>();
        // Readiness first: its checks run before the others start, and READY=1 waits for all of them.
        builder.Services
            .AddHostedService<ReadinessService>()
            // Before the metrics and READY=1: both show what the directory holds from the first second.
            .AddHostedService<HealthMonitor>()
            .AddHostedService<ControlServer>()
            .AddHostedService(sp => sp.GetRequiredService<TextfileMetrics>())
            .AddHostedService<ReloadService>()
            .AddHostedService<WatchdogService>()
            .AddHostedService<DailyRetentionService>()
            .AddHostedService<OwedSendsService>()
            .AddHostedService<SnapshotStopWait>()
            .AddHostedService<SchedulerService>()
            .AddHostedService<LineageAtStart>()
            // Last, so it is stopped first: a stop waits for a restore under way, with the control socket still serving.
            .AddHostedService<RestoreShutdownGuard>();
        return builder.Build();
    }
}
