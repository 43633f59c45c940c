namespace EtcdBackupd.Restore;

/// <summary>
/// Where systemd finds a unit's drop-ins: <c>UNIT.d/*.conf</c> in every directory of its search path (for an instance,
/// <c>etcd@a.service</c>, the template's <c>etcd@.service.d</c> too). A file name in a directory earlier in the path
/// hides the same name later (an override in /etc masks the package's in /usr/lib), and all are applied in file name
/// order, wherever they lie: <c>systemctl edit etcd</c> writes <c>/etc/systemd/system/etcd.service.d/override.conf</c>
/// for a unit the package put in /lib.
/// </summary>
internal static class UnitDropIns
{
    /// <summary>systemd's search path for system units, the highest priority first (systemd.unit(5)).</summary>
    public static readonly string[] SearchPath =
    [
        "/etc/systemd/system.control", "/run/systemd/system.control", "/run/systemd/transient", "/run/systemd/generator.early",
        "/etc/systemd/system", "/etc/systemd/system.attached", "/run/systemd/system", "/run/systemd/system.attached",
        "/run/systemd/generator", "/usr/local/lib/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system", "/run/systemd/generator.late",
    ];

    /// <summary>
    /// The drop-ins of the unit at <paramref name="unitPath"/>, in the order systemd applies them: from the whole
    /// search path when the unit lies in it, else (a copy named by <c>Restore.UnitFile</c>) from beside it only.
    /// </summary>
    public static IReadOnlyList<string> Of(string unitPath) =>
        Find(Path.GetFileName(unitPath), SearchPath.Contains(Path.GetDirectoryName(unitPath)) ? SearchPath : [Path.GetDirectoryName(unitPath)!]);

    public static IReadOnlyList<string> Find(string unitName, IReadOnlyList<string> directories)
    {
        List<string> names = [unitName + ".d"];
        var at = unitName.IndexOf('@', StringComparison.Ordinal);
        var dot = unitName.LastIndexOf('.');
        if (at > 0 && dot > at + 1)
        {
            // After the instance's own: within a directory systemd looks there first, and the first file of a name wins.
            names.Add(unitName[..(at + 1)] + unitName[dot..] + ".d");
        }

        var chosen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var directory in directories)
        {
            foreach (var dropInDirectory in names.Select(n => Path.Combine(directory, n)).Where(Directory.Exists))
            {
                foreach (var file in Directory.GetFiles(dropInDirectory, "*.conf"))
                {
                    chosen.TryAdd(Path.GetFileName(file), file);
                }
            }
        }

        return [.. chosen.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => c.Value)];
    }
}
