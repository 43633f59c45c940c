namespace EtcdBackupd.Snapshots;

/// <summary>
/// The <c>.part</c> files of our naming: a snapshot or copy being written, or one abandoned by a crash or a
/// cut connection. One rule says when one is abandoned, for the local directory and for the peers'.
/// </summary>
internal static class PartialFiles
{
    public const string Suffix = ".part";

    /// <summary>
    /// Untouched for longer than this, a partial file is abandoned: every write touches it, and no copy may
    /// take longer than <c>Peers.TimeoutSeconds</c> (at most a day).
    /// </summary>
    public static TimeSpan StaleAge { get; } = TimeSpan.FromDays(1);

    /// <summary>Why an abandoned one is removed, in the journal.</summary>
    public const string StaleReason = "a partial file untouched for more than a day";

    public static string Of(string path) => path + Suffix;

    /// <summary>Whether the file is the partial file of a snapshot or of a manifest of our naming; other files are never touched.</summary>
    public static bool IsOurs(string fileName)
    {
        if (!fileName.EndsWith(Suffix, StringComparison.Ordinal))
        {
            return false;
        }

        var name = fileName[..^Suffix.Length];
        var snapshotName = name.EndsWith(SnapshotFileName.ManifestExtension, StringComparison.Ordinal)
            ? Path.ChangeExtension(name, SnapshotFileName.Extension)
            : name;
        return SnapshotFileName.TryParse(snapshotName, out _, out _, out _);
    }

    public static bool IsStale(string fileName, DateTime lastWriteTimeUtc, DateTimeOffset now) =>
        IsOurs(fileName) && lastWriteTimeUtc < (now - StaleAge).UtcDateTime;
}
