using System.Globalization;
using System.Runtime.InteropServices;

namespace EtcdBackupd.Control;

/// <summary>Group lookups and the socket file's group, without a native dependency beyond libc.</summary>
internal static partial class UnixGroups
{
    public static int? IdOf(string name)
    {
        foreach (var line in File.Exists("/etc/group") ? File.ReadLines("/etc/group") : [])
        {
            var fields = line.Split(':');
            if (fields.Length >= 3 && fields[0] == name && int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var gid))
            {
                return gid;
            }
        }

        return name == "root" ? 0 : null;
    }

    /// <summary>The primary and supplementary groups of a running process, from /proc.</summary>
    public static IReadOnlySet<int> OfProcess(int pid)
    {
        var groups = new HashSet<int>();
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("Groups:", StringComparison.Ordinal) || line.StartsWith("Gid:", StringComparison.Ordinal))
                {
                    foreach (var id in line[(line.IndexOf(':') + 1)..].Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
                    {
                        groups.Add(int.Parse(id, CultureInfo.InvariantCulture));
                    }
                }
            }
        }
        catch (IOException)
        {
            // The client is gone: no groups, so nothing beyond what its uid allows.
        }

        return groups;
    }

    public static void SetGroup(string path, int gid)
    {
        if (Chown(path, -1, gid) != 0)
        {
            throw new IOException($"cannot give '{path}' group {gid}: {Marshal.GetLastPInvokeErrorMessage()}");
        }
    }

    [LibraryImport("libc", EntryPoint = "chown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Chown(string path, int owner, int group);
}
