using EtcdBackupd.Configuration;

namespace EtcdBackupd.Retention;

/// <summary>How long snapshots are kept, and how many good ones always stay whatever their age.</summary>
internal sealed class RetentionOptions
{
    public const int DefaultRetentionDays = 30;

    /// <summary><c>Snapshots.RetentionDays</c>: default 30 (the runbook's <c>-mtime +30</c>), 1 to 3650.</summary>
    public int RetentionDays { get; init; } = DefaultRetentionDays;

    public const int DefaultMinimumKept = 3;

    /// <summary><c>Snapshots.MinimumKept</c>: default 3, 1 to 1000. Verified snapshots newer than one to be deleted.</summary>
    public int MinimumKept { get; init; } = DefaultMinimumKept;

    public static RetentionOptions Read(ConfigReader config) => new()
    {
        RetentionDays = config.Int("Snapshots.RetentionDays", DefaultRetentionDays, 1, 3650),
        MinimumKept = config.Int("Snapshots.MinimumKept", DefaultMinimumKept, 1, 1000),
    };
}
