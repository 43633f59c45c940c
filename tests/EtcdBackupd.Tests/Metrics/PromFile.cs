namespace EtcdBackupd.Tests.Metrics;

/// <summary>The samples of a <c>.prom</c> file the daemon wrote: <c>name{labels}</c> and value, comments left out.</summary>
internal static class PromFile
{
    public static IReadOnlyList<(string Series, string Value)> Samples(string text) =>
    [
        .. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('#'))
            .Select(l => (l[..l.LastIndexOf(' ')], l[(l.LastIndexOf(' ') + 1)..])),
    ];

    /// <summary>The series that come from disk and the verdict, not from this process's own attempts.</summary>
    public static IReadOnlyList<string> StateFromDisk(string text) =>
    [
        .. Samples(text).Where(s => !s.Series.StartsWith("etcd_backupd_last_attempt", StringComparison.Ordinal)
                && !s.Series.StartsWith("etcd_backupd_last_duration", StringComparison.Ordinal)
                && !s.Series.StartsWith("etcd_backupd_failures_total", StringComparison.Ordinal))
            .Select(s => $"{s.Series} {s.Value}"),
    ];
}
