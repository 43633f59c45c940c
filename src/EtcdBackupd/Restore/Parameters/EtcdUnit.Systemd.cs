using System.Diagnostics;

namespace EtcdBackupd.Restore;

/// <summary>The unit as systemd itself has it: drop-ins applied and specifiers expanded by systemd, not by us.</summary>
internal sealed partial class EtcdUnit
{
    private static readonly string[] ShowProperties = ["ExecStart", "Environment", "EnvironmentFiles", "User", "Group", "WorkingDirectory"];

    /// <summary>
    /// <c>systemctl show -p ExecStart -p Environment -p EnvironmentFiles -p User -p Group -p WorkingDirectory UNIT</c>, read into the same
    /// settings a unit file gives; null with <paramref name="why"/> when systemd cannot be asked (no
    /// systemd as PID 1, no such unit), so the caller can read the file instead and say so.
    /// </summary>
    public static EtcdUnit? AskSystemd(string unitName, Func<string, string?> readFile, string systemctl, out string? why)
    {
        why = null;
        try
        {
            var start = new ProcessStartInfo(systemctl) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var property in ShowProperties)
            {
                start.ArgumentList.Add("-p");
                start.ArgumentList.Add(property);
            }

            start.ArgumentList.Add("show");
            start.ArgumentList.Add("--");
            start.ArgumentList.Add(unitName);
            using var process = Process.Start(start)!;
            var error = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                process.Kill();
                why = "systemctl show did not answer within 10 s";
                return null;
            }

            if (process.ExitCode != 0)
            {
                why = $"systemctl show {unitName} exited {process.ExitCode}: {error.Result.Trim()}";
                return null;
            }

            return FromShow(unitName, output, readFile, out why);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            why = $"{systemctl} cannot be run: {e.Message}";
            return null;
        }
    }

    /// <summary>Parses what <c>systemctl show</c> printed; null with <paramref name="why"/> when the unit has no ExecStart there (not loaded).</summary>
    public static EtcdUnit? FromShow(string unitName, string output, Func<string, string?> readFile, out string? why)
    {
        var from = $"systemctl show {unitName}";
        var settings = new List<(string Key, string Value, string From)>();
        string? execStart = null;
        foreach (var line in output.Split('\n'))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                continue;
            }

            var (key, value) = (line[..equals], line[(equals + 1)..].Trim());
            switch (key)
            {
                case "Environment" when value.Length > 0:
                    settings.Add(("Environment", value, from));
                    break;
                case "EnvironmentFiles" when value.Length > 0:
                    // "/etc/default/etcd (ignore_errors=yes)": systemd's "-" prefix, spelled out.
                    var optional = value.EndsWith("(ignore_errors=yes)", StringComparison.Ordinal);
                    var path = value[..(value.LastIndexOf(" (", StringComparison.Ordinal) is > 0 and var open ? open : value.Length)];
                    settings.Add(("EnvironmentFile", (optional ? "-" : "") + path, from));
                    break;
                case "User" or "Group" or "WorkingDirectory" when value.Length > 0:
                    settings.Add((key, value, from));
                    break;
                case "ExecStart" when execStart is null && ArgvOf(value) is { } argv:
                    execStart = argv;
                    break;
            }
        }

        if (execStart is null)
        {
            why = $"{from} has no ExecStart (is {unitName} loaded?)";
            return null;
        }

        // ExecStart last, as it is expanded with both kinds of environment (the files' winning, whatever the order).
        settings.Add(("ExecStart", execStart, from));
        why = null;
        return FromSettings(from, unitName, settings, readFile, host: null, expandSpecifiers: false);
    }

    /// <summary>The command line in <c>{ path=... ; argv[]=/usr/bin/etcd --name=x ... ; ignore_errors=no ; ... }</c>.</summary>
    private static string? ArgvOf(string value)
    {
        const string Argv = "argv[]=";
        var start = value.IndexOf(Argv, StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        start += Argv.Length;
        var end = value.IndexOf(" ; ignore_errors=", start, StringComparison.Ordinal);
        return (end < 0 ? value[start..] : value[start..end]).Trim();
    }
}
