using System.Globalization;

namespace EtcdBackupd.Tests.Support;

/// <summary>The CPU time a process has used so far (user and system, from /proc/PID/stat), to tell a busy daemon from an idle one.</summary>
internal static class ProcessCpu
{
    public static double Seconds(int pid)
    {
        var fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }
}
