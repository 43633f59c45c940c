using EtcdBackupd.Configuration;
using EtcdBackupd.Control;
using EtcdBackupd.Etcd;
using EtcdBackupd.Health;
using EtcdBackupd.Logging;
using EtcdBackupd.Metrics;
using EtcdBackupd.Offsite;
using EtcdBackupd.Peers;
using EtcdBackupd.Reload;
using EtcdBackupd.Restore;
using EtcdBackupd.Retention;
using EtcdBackupd.Schedule;
using EtcdBackupd.State;

namespace EtcdBackupd.Hosting;

/// <summary>Every section the daemon reads, validated together so one start reports every problem.</summary>
internal sealed record DaemonConfiguration(
    EtcdOptions Etcd, SnapshotOptions Snapshots, ScheduleOptions Schedule, RetentionOptions Retention,
    PeersOptions Peers, ControlOptions Control, RestoreOptions Restore, MetricsOptions Metrics, LoggingOptions Logging, StateOptions State,
    HealthOptions Health, OffsiteOptions Offsite)
{
    /// <summary>Every key set and its value, as an operator writes it: what a reload compares (<see cref="ConfigurationChanges"/>).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <param name="path">The configuration file.</param>
    /// <param name="time">The clock the schedules' time zone is read with.</param>
    /// <param name="withTls">
    /// Refuse TLS files that can never work (one that does not parse, a key that is not the certificate's),
    /// as the daemon's start and reload do; <c>check</c> reports them on a line of their own instead.
    /// </param>
    public static DaemonConfiguration Load(string path, TimeProvider time, bool withTls = true)
    {
        var root = ConfigurationLoader.Load(path);
        var reader = new ConfigReader(root);
        var configuration = Read(reader, time);
        reader.CheckKeys();
        if (withTls)
        {
            // Dates are not judged here: an expired certificate keeps the daemon running, and unhealthy, until it is renewed on disk.
            foreach (var problem in TlsMaterial.Inspect(configuration.Etcd).Problems)
            {
                reader.Problem(problem.Key, problem.Message);
            }
        }

        reader.ThrowIfAny();
        return configuration with { Settings = ConfigurationChanges.Settings(root) };
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
            StateOptions.Read(reader), HealthOptions.Read(reader, schedule, time), OffsiteOptions.Read(reader));
    }
}
