using EtcdBackupd.Configuration;
using EtcdBackupd.Etcd;
using EtcdBackupd.Logging;
using EtcdBackupd.Metrics;
using EtcdBackupd.Retention;
using EtcdBackupd.Schedule;
using EtcdBackupd.Snapshots;

namespace EtcdBackupd.Service;

/// <summary>Every section the daemon reads, validated together so one start reports every problem.</summary>
internal sealed record DaemonConfiguration(
    EtcdOptions Etcd, SnapshotOptions Snapshots, ScheduleOptions Schedule, RetentionOptions Retention,
    MetricsOptions Metrics, LoggingOptions Logging)
{
    public static DaemonConfiguration Load(string path, TimeProvider time)
    {
        var reader = new ConfigReader(ConfigurationLoader.Load(path));
        var configuration = new DaemonConfiguration(
            EtcdOptions.Read(reader), SnapshotOptions.Read(reader), ScheduleOptions.Read(reader, time),
            RetentionOptions.Read(reader), MetricsOptions.Read(reader), LoggingOptions.Read(reader));
        reader.ThrowIfAny();
        return configuration;
    }
}
