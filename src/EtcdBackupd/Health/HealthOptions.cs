using EtcdBackupd.Configuration;
using EtcdBackupd.Schedule;

namespace EtcdBackupd.Health;

/// <summary><c>Health.*</c>: when the verdict calls this master unprotected.</summary>
internal sealed class HealthOptions
{
    public const int DefaultCertificateWarningDays = 30;

    /// <summary>
    /// <c>Health.MaxSnapshotAgeMinutes</c>: the newest verified snapshot held here may be this old. Default: the
    /// longest gap between two runs of <c>Snapshots.Schedules</c> plus <c>Snapshots.FollowerGraceMinutes</c>, the
    /// longest a healthy cluster goes without a new snapshot (the leader's, or a follower standing in).
    /// </summary>
    public required TimeSpan MaxSnapshotAge { get; init; }

    /// <summary><c>Health.CertificateWarningDays</c>: default 30, 0 to 3650; 0 warns only once it has expired.</summary>
    public TimeSpan CertificateWarning { get; init; } = TimeSpan.FromDays(DefaultCertificateWarningDays);

    public static HealthOptions Read(ConfigReader config, ScheduleOptions schedule, TimeProvider time)
    {
        var defaultMinutes = (int)Math.Ceiling(DefaultMaxSnapshotAge(schedule, time.GetUtcNow()).TotalMinutes);
        return new HealthOptions
        {
            MaxSnapshotAge = TimeSpan.FromMinutes(config.Int("Health.MaxSnapshotAgeMinutes", defaultMinutes, 1, Math.Max(defaultMinutes, 5_256_000))),
            CertificateWarning = TimeSpan.FromDays(config.Int("Health.CertificateWarningDays", DefaultCertificateWarningDays, 0, 3650)),
        };
    }

    public static TimeSpan DefaultMaxSnapshotAge(ScheduleOptions schedule, DateTimeOffset from) =>
        ScheduleGaps.Longest(schedule.Schedules, from) + schedule.FollowerGrace;
}
