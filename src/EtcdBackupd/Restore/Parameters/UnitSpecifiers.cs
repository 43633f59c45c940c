namespace EtcdBackupd.Restore;

/// <summary>The facts of this host that systemd's specifiers stand for; a test passes its own.</summary>
internal sealed record UnitHost(string HostName, string MachineId, string BootId)
{
    public static UnitHost Current() => new(
        System.Net.Dns.GetHostName(),
        ReadOrEmpty("/etc/machine-id"),
        ReadOrEmpty("/proc/sys/kernel/random/boot_id").Replace("-", "", StringComparison.Ordinal));

    private static string ReadOrEmpty(string path) => File.Exists(path) ? File.ReadAllText(path).Trim() : "";
}

/// <summary>
/// systemd's specifiers as systemd expands them in <c>ExecStart=</c>, <c>Environment=</c> and the path of
/// <c>EnvironmentFile=</c> (systemd.unit(5)): Debian's etcd unit says <c>ETCD_NAME=%H</c>, and a restore
/// with <c>--name %H</c> would give the member a name that is in no <c>--initial-cluster</c>.
/// </summary>
internal static class UnitSpecifiers
{
    /// <param name="text">A setting's value.</param>
    /// <param name="unitName">The unit's file name, <c>etcd.service</c> or <c>etcd@a.service</c>.</param>
    /// <param name="user">The unit's <c>User=</c>, root when it has none.</param>
    /// <param name="host">This host's name, machine ID and boot ID.</param>
    /// <param name="problems">A specifier not known here is named in it; it is left as it was.</param>
    /// <param name="where">The setting, for the problem's sentence.</param>
    public static string Expand(string text, string unitName, string user, UnitHost host, List<string> problems, string where)
    {
        if (!text.Contains('%', StringComparison.Ordinal))
        {
            return text;
        }

        var full = unitName;
        var name = Path.GetFileNameWithoutExtension(full);
        var at = name.IndexOf('@', StringComparison.Ordinal);
        var (prefix, instance) = at >= 0 ? (name[..at], name[(at + 1)..]) : (name, "");
        var result = new System.Text.StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '%' || i + 1 >= text.Length)
            {
                result.Append(text[i]);
                continue;
            }

            var specifier = text[++i];
            string? value = specifier switch
            {
                '%' => "%",
                'H' => host.HostName,
                'm' => host.MachineId,
                'b' => host.BootId,
                'n' => full,
                'N' => name,
                'p' => prefix,
                'i' => instance,
                'I' => instance.Replace('-', '/'),
                'u' => user,
                'U' => Account(user)?.Uid,
                'h' => Account(user)?.Home,
                _ => null,
            };
            if (value is null)
            {
                problems.Add($"%{specifier} in {where} is a systemd specifier this restore does not expand; set the value in the configuration (Restore.*) instead");
                result.Append('%').Append(specifier);
            }
            else
            {
                result.Append(value);
            }
        }

        return result.ToString();
    }

    /// <summary>The user's home, as systemd takes it for <c>%h</c> and <c>WorkingDirectory=~</c>; null when the user is not in /etc/passwd.</summary>
    public static string? HomeOf(string user) => Account(user)?.Home;

    /// <summary>The user's uid and home from /etc/passwd, as systemd's %U and %h take them; null when not there.</summary>
    private static (string Uid, string Home)? Account(string user)
    {
        if (user == "root")
        {
            return ("0", "/root");
        }

        var line = File.Exists("/etc/passwd") ? File.ReadLines("/etc/passwd").FirstOrDefault(l => l.StartsWith(user + ":", StringComparison.Ordinal)) : null;
        var fields = line?.Split(':');
        return fields is { Length: >= 6 } ? (fields[2], fields[5]) : null;
    }
}
