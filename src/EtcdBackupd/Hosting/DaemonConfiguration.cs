using EtcdBackupd.Configuration;
using EtcdBackupd.Control;
using EtcdBackupd.Etcd;
using EtcdBackupd.Logging;
using EtcdBackupd.Metrics;
using EtcdBackupd.Peers;
using EtcdBackupd.Restore;
using EtcdBackupd.Retention;
using EtcdBackupd.Schedule;

namespace EtcdBackupd.Hosting;

/// <summary>Every section the daemon reads, validated together so one start reports every problem.</summary>
internal sealed record DaemonConfiguration(
    EtcdOptions Etcd, SnapshotOptions Snapshots, ScheduleOptions Schedule, RetentionOptions Retention,
    PeersOptions Peers, ControlOptions Control, RestoreOptions Restore, MetricsOptions Metrics, LoggingOptions Logging)
{
    public static DaemonConfiguration Load(string path, TimeProvider time)
    {
        var reader = new ConfigReader(ConfigurationLoader.Load(path));
        var snapshots = SnapshotOptions.Read(reader);
        var configuration = new DaemonConfiguration(
            EtcdOptions.Read(reader), snapshots, ScheduleOptions.Read(reader, time), RetentionOptions.Read(reader),
            PeersOptions.Read(reader, snapshots.Directory), ControlOptions.Read(reader), RestoreOptions.Read(reader), MetricsOptions.Read(reader), LoggingOptions.Read(reader));
        reader.ThrowIfAny();
        return configuration;
    }
}
