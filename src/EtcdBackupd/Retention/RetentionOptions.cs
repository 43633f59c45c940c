using EtcdBackupd.Configuration;

namespace EtcdBackupd.Retention;

/// <summary>How long snapshots are kept, and how many good ones always stay whatever their age.</summary>
internal sealed class RetentionOptions
{
    /// <summary><c>Snapshots.RetentionDays</c>: default 30 (the runbook's <c>-mtime +30</c>), 1 to 3650.</summary>
    public int RetentionDays { get; init; } = 30;

    /// <summary><c>Snapshots.MinimumKept</c>: default 3, 1 to 1000. Verified snapshots newer than one to be deleted.</summary>
    public int MinimumKept { get; init; } = 3;

    /// <summary>A <c>.part</c> file older than this is an abandoned snapshot or copy.</summary>
    public static TimeSpan StalePartialAge { get; } = TimeSpan.FromDays(1);

    public static RetentionOptions Read(ConfigReader config) => new()
    {
        RetentionDays = config.Int("Snapshots.RetentionDays", 30, 1, 3650),
        MinimumKept = config.Int("Snapshots.MinimumKept", 3, 1, 1000),
    };
}
