using System.Text.RegularExpressions;

namespace EtcdBackupd.Restore;

/// <summary>The mount points of this process's namespace, as <c>/proc/self/mountinfo</c> lists them, read once.</summary>
internal sealed partial class MountPoints
{
    private readonly HashSet<string> _mounted;

    private MountPoints(HashSet<string> mounted) => _mounted = mounted;

    /// <summary>The table now; empty when it cannot be read.</summary>
    public static MountPoints Read()
    {
        try
        {
            // Field 5 is the mount point, with space, tab, newline and backslash written as octal escapes.
            return new(File.ReadLines("/proc/self/mountinfo")
                .Select(line => line.Split(' '))
                .Where(fields => fields.Length > 4)
                .Select(fields => Unescape(fields[4]).TrimEnd('/'))
                .ToHashSet(StringComparer.Ordinal));
        }
        catch (IOException)
        {
            return new([]);
        }
    }

    /// <summary>Whether <paramref name="path"/> is itself a mount point.</summary>
    public bool IsMountPoint(string path) => path.Length > 0 && _mounted.Contains(Full(path));

    /// <summary>The mount points strictly below <paramref name="path"/>.</summary>
    public IEnumerable<string> Below(string path)
    {
        var prefix = Full(path) + "/";
        return _mounted.Where(m => m.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal);
    }

    private static string Full(string path) => Path.GetFullPath(path).TrimEnd('/');

    private static string Unescape(string field) =>
        Octal().Replace(field, m => ((char)Convert.ToInt32(m.Groups[1].Value, 8)).ToString());

    [GeneratedRegex(@"\\([0-7]{3})")]
    private static partial Regex Octal();
}
