using System.Text.RegularExpressions;

namespace EtcdBackupd.Restore;

/// <summary>Whether a directory is itself a mount point, as <c>/proc/self/mountinfo</c> lists them (in this process's namespace).</summary>
internal static partial class MountPoints
{
    public static bool Contains(string path)
    {
        var full = Path.GetFullPath(path).TrimEnd('/');
        try
        {
            // Field 5 is the mount point, with space, tab, newline and backslash written as octal escapes.
            return File.ReadLines("/proc/self/mountinfo")
                .Select(line => line.Split(' '))
                .Any(fields => fields.Length > 4 && Unescape(fields[4]).TrimEnd('/') == full);
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static string Unescape(string field) =>
        Octal().Replace(field, m => ((char)Convert.ToInt32(m.Groups[1].Value, 8)).ToString());

    [GeneratedRegex(@"\\([0-7]{3})")]
    private static partial Regex Octal();
}
