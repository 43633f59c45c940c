namespace EtcdBackupd.Tests.Support;

/// <summary>Processes as /proc shows them: for a test that must find, say, the sshd process serving one connection.</summary>
internal static class ProcessTree
{
    /// <summary>The processes whose command line contains every one of <paramref name="parts"/>.</summary>
    public static IReadOnlyList<int> Find(params string[] parts) =>
        [.. Directory.GetDirectories("/proc").Select(Path.GetFileName).Select(n => int.TryParse(n, out var pid) ? pid : 0)
            .Where(pid => pid > 0 && CommandLine(pid) is { } line && parts.All(p => line.Contains(p, StringComparison.Ordinal)))];

    /// <summary>The nearest ancestor of <paramref name="pid"/> whose command line starts with <paramref name="prefix"/>, or null.</summary>
    public static int? Ancestor(int pid, string prefix)
    {
        for (var p = Parent(pid); p is > 1; p = Parent(p.Value))
        {
            if (CommandLine(p.Value)?.StartsWith(prefix, StringComparison.Ordinal) == true)
            {
                return p;
            }
        }

        return null;
    }

    public static string? CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static int? Parent(int pid)
    {
        try
        {
            // "pid (comm) state ppid ...": the command may hold spaces and parentheses, so read after the last ')'.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
