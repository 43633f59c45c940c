namespace EtcdBackupd.Restore;

/// <summary>
/// etcd's <c>--initial-cluster</c>, <c>NAME=URL,NAME=URL,...</c>, read one way wherever a restore checks it: a name
/// appears once per peer URL; an entry without <c>=</c> is none (etcd refuses such a value itself).
/// </summary>
internal static class InitialClusterFlag
{
    public static IReadOnlyList<(string Name, string Url)> Members(string value) =>
    [
        .. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(m => m.Split('=', 2)).Where(p => p.Length == 2).Select(p => (p[0], p[1])),
    ];
}
