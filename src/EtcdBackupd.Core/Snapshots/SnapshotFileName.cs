using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace EtcdBackupd.Snapshots;

/// <summary>
/// <c>etcd-snapshot-&lt;yyyyMMddTHHmmssZ&gt;-&lt;member&gt;-r&lt;revision&gt;.db</c>: sorts by time, and says
/// when, from whom and at which revision without opening the file. Only names of this shape are ever
/// touched by retention.
/// </summary>
internal static partial class SnapshotFileName
{
    public const string Prefix = "etcd-snapshot-";
    public const string Extension = ".db";
    public const string ManifestExtension = ".json";
    private const string TimeFormat = "yyyyMMdd'T'HHmmss'Z'";

    public static string Build(DateTimeOffset createdAt, string memberName, long revision) =>
        $"{Prefix}{createdAt.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture)}-{Sanitize(memberName)}-r{revision}{Extension}";

    public static string ManifestOf(string snapshotPath) => Path.ChangeExtension(snapshotPath, ManifestExtension);

    public static bool TryParse(string fileName, out DateTimeOffset createdAt, out string memberName, out long revision)
    {
        createdAt = default;
        memberName = "";
        revision = 0;
        var match = Shape().Match(fileName);
        if (!match.Success
            || !DateTime.TryParseExact(match.Groups["time"].Value, TimeFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time)
            || !long.TryParse(match.Groups["rev"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out revision))
        {
            return false;
        }

        createdAt = new DateTimeOffset(time, TimeSpan.Zero);
        memberName = match.Groups["member"].Value;
        return true;
    }

    /// <summary>
    /// Whether <paramref name="fileName"/> names a snapshot taken before <paramref name="other"/>'s (time,
    /// then revision); false when either is not a snapshot name.
    /// </summary>
    public static bool IsOlder(string fileName, string other) =>
        TryParse(fileName, out var at, out _, out var revision) && TryParse(other, out var otherAt, out _, out var otherRevision)
            && (at, revision).CompareTo((otherAt, otherRevision)) < 0;

    /// <summary>Member names become part of a path: keep them to a safe alphabet.</summary>
    private static string Sanitize(string memberName)
    {
        var safe = new StringBuilder(memberName.Length);
        foreach (var c in memberName)
        {
            safe.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_');
        }

        return safe.Length == 0 ? "unnamed" : safe.ToString();
    }

    // ASCII digits only, and \z, not $: $ also matches before a final newline, and "NAME.db\n" would pass
    // for a name of ours whose manifest path (NAME.json) is another snapshot's.
    [GeneratedRegex(@"^etcd-snapshot-(?<time>[0-9]{8}T[0-9]{6}Z)-(?<member>[A-Za-z0-9._-]+)-r(?<rev>[0-9]+)\.db\z", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
