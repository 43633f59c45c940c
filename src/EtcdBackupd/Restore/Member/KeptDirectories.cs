namespace EtcdBackupd.Restore;

/// <summary>
/// The names of what a restore keeps and never deletes: the old data or WAL (<c>before-restore-TIME</c>), a failed
/// attempt's output put beside it (<c>failed-restore-TIME</c>, the old one's TIME), an earlier attempt's unfinished
/// output (<c>unfinished-restore-TIME</c>). Beside a directory as <c>DIR.KIND-TIME</c>; inside a mount point, which
/// cannot be renamed, as <c>DIR/.KIND-TIME</c>. One place, so what a mount's move leaves in place is what restores make.
/// </summary>
internal static class KeptDirectories
{
    public const string Before = "before-restore-";
    public const string Failed = "failed-restore-";
    public const string Unfinished = "unfinished-restore-";

    /// <summary>The kept directory of <paramref name="kind"/> beside <paramref name="dir"/>.</summary>
    public static string Beside(string dir, string kind, string stamp) => $"{dir}.{kind}{stamp}";

    /// <summary>The kept directory of <paramref name="kind"/> inside mount point <paramref name="dir"/>.</summary>
    public static string Inside(string dir, string kind, string stamp) => $"{dir}/.{kind}{stamp}";

    /// <summary>Whether <paramref name="name"/>, an entry at the top of a mount point, is a directory a restore kept there.</summary>
    public static bool IsKeptInside(string name) =>
        name.StartsWith('.') && ((string[])[Before, Failed, Unfinished]).Any(kind => name.AsSpan(1).StartsWith(kind, StringComparison.Ordinal));

    /// <summary>The time in the name of a directory moved aside, <c>...before-restore-TIME</c>: the failed output put beside it shares it.</summary>
    public static string StampOf(string oldDir) => Path.GetFileName(oldDir).Split(Before)[^1];
}
