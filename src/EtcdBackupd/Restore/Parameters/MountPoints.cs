using System.Text.RegularExpressions;

namespace EtcdBackupd.Restore;

/// <summary>The mount points of this process's namespace, as <c>/proc/self/mountinfo</c> lists them, read once.</summary>
internal static partial class MountPoints
{
    /// <summary>Whether each directory asked about is itself a mount point; none when the table cannot be read.</summary>
    public static Func<string, bool> Read()
    {
        HashSet<string> mounted;
        try
        {
            // Field 5 is the mount point, with space, tab, newline and backslash written as octal escapes.
            mounted = File.ReadLines("/proc/self/mountinfo")
                .Select(line => line.Split(' '))
                .Where(fields => fields.Length > 4)
                .Select(fields => Unescape(fields[4]).TrimEnd('/'))
                .ToHashSet(StringComparer.Ordinal);
        }
        catch (IOException)
        {
            mounted = [];
        }

        return path => path.Length > 0 && mounted.Contains(Path.GetFullPath(path).TrimEnd('/'));
    }

    private static string Unescape(string field) =>
        Octal().Replace(field, m => ((char)Convert.ToInt32(m.Groups[1].Value, 8)).ToString());

    [GeneratedRegex(@"\\([0-7]{3})")]
    private static partial Regex Octal();
}
