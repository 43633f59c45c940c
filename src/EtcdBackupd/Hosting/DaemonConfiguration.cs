using EtcdBackupd.Configuration;
using EtcdBackupd.Control;
using EtcdBackupd.Etcd;
using EtcdBackupd.Health;
using EtcdBackupd.Logging;
using EtcdBackupd.Metrics;
using EtcdBackupd.Peers;
using EtcdBackupd.Restore;
using EtcdBackupd.Retention;
using EtcdBackupd.Schedule;
using EtcdBackupd.State;

namespace EtcdBackupd.Hosting;

/// <summary>Every section the daemon reads, validated together so one start reports every problem.</summary>
internal sealed record DaemonConfiguration(
    EtcdOptions Etcd, SnapshotOptions Snapshots, ScheduleOptions Schedule, RetentionOptions Retention,
    PeersOptions Peers, ControlOptions Control, RestoreOptions Restore, MetricsOptions Metrics, LoggingOptions Logging, StateOptions State,
    HealthOptions Health)
{
    public static DaemonConfiguration Load(string path, TimeProvider time)
    {
        var reader = new ConfigReader(ConfigurationLoader.Load(path));
        var configuration = Read(reader, time);
        reader.CheckKeys();
        reader.ThrowIfAny();
        return configuration;
    }

    /// <summary>Every section; the problems, and the keys asked for, stay in <paramref name="reader"/>.</summary>
    public static DaemonConfiguration Read(ConfigReader reader, TimeProvider time)
    {
        // In the order of the file's sections, which is the order problems and hints list them in.
        var etcd = EtcdOptions.Read(reader);
        var snapshots = SnapshotOptions.Read(reader);
        var schedule = ScheduleOptions.Read(reader, time);
        return new DaemonConfiguration(
            etcd, snapshots, schedule, RetentionOptions.Read(reader),
            PeersOptions.Read(reader, snapshots.Directory), ControlOptions.Read(reader), RestoreOptions.Read(reader), MetricsOptions.Read(reader), LoggingOptions.Read(reader),
            StateOptions.Read(reader), HealthOptions.Read(reader, schedule, time));
    }
}
