using EtcdBackupd.Configuration;
using EtcdBackupd.Health;
using EtcdBackupd.Hosting;
using EtcdBackupd.Logging;
using EtcdBackupd.Metrics;
using EtcdBackupd.Peers;
using EtcdBackupd.Retention;
using EtcdBackupd.Schedule;
using Serilog.Core;

namespace EtcdBackupd.Reload;

/// <summary>
/// The configuration in force, and the sections a reload replaces. Services that follow a reload take a
/// <see cref="Live{T}"/> section and read it at each run; the rest were built once from the start's values.
/// </summary>
internal sealed class LiveConfiguration(string path, DaemonConfiguration initial, LoggingLevelSwitch level, TimeProvider? time = null)
{
    private DaemonConfiguration _current = initial;

    /// <summary>The file the daemon started from, read again at each reload.</summary>
    public string Path { get; } = System.IO.Path.GetFullPath(path);

    public DaemonConfiguration Current => Volatile.Read(ref _current);

    public Live<ScheduleOptions> Schedule { get; } = new(initial.Schedule);

    public Live<RetentionOptions> Retention { get; } = new(initial.Retention);

    public Live<PeersOptions> Peers { get; } = new(initial.Peers);

    public Live<MetricsOptions> Metrics { get; } = new(initial.Metrics);

    /// <summary>
    /// <c>Health.*</c> needs a restart, but the default of <c>Health.MaxSnapshotAgeMinutes</c> is drawn from
    /// <c>Snapshots.Schedules</c>, which a reload changes: hourly instead of daily must not leave a day's threshold.
    /// </summary>
    public Live<HealthOptions> Health { get; } = new(initial.Health);

    /// <summary>Puts <paramref name="next"/>'s reloadable sections in force; returns the changes applied and those left for a restart.</summary>
    public (IReadOnlyList<SettingChange> Applied, IReadOnlyList<SettingChange> NeedRestart) Apply(DaemonConfiguration next)
    {
        var current = Current;
        var changes = ConfigurationChanges.Between(current.Settings, next.Settings);
        // The default drawn again, even when the file now sets the key: that needs a restart, as the reload says.
        var health = current.Settings.ContainsKey("Health.MaxSnapshotAgeMinutes")
            ? current.Health
            : new HealthOptions
            {
                MaxSnapshotAge = HealthOptions.DefaultMaxSnapshotAge(next.Schedule, (time ?? TimeProvider.System).GetUtcNow()),
                CertificateWarning = current.Health.CertificateWarning,
            };
        Volatile.Write(ref _current, current with
        {
            Schedule = next.Schedule, Retention = next.Retention, Peers = next.Peers, Metrics = next.Metrics, Health = health,
            Logging = new LoggingOptions { Target = current.Logging.Target, JournalSocket = current.Logging.JournalSocket, Level = next.Logging.Level },
            Settings = ConfigurationChanges.InForce(current.Settings, next.Settings),
        });
        level.MinimumLevel = next.Logging.Level;
        Retention.Set(next.Retention);
        Peers.Set(next.Peers);
        Metrics.Set(next.Metrics);
        Health.Set(health);
        // Last: it wakes the scheduler, which then reads the others.
        Schedule.Set(next.Schedule);
        return ([.. changes.Where(c => ConfigurationChanges.TakesEffect(c.Key))], [.. changes.Where(c => !ConfigurationChanges.TakesEffect(c.Key))]);
    }
}
