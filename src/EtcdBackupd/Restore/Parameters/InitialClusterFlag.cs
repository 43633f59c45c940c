namespace EtcdBackupd.Restore;

/// <summary>
/// etcd's <c>--initial-cluster</c>, <c>NAME=URL,NAME=URL,...</c>, read one way wherever a restore checks it: a name
/// appears once per peer URL. An entry without <c>=</c> keeps its place with no URL, so the checks before anything
/// stops still see it (a name that takes no part, members that differ) rather than leaving it to etcd's tool.
/// </summary>
internal static class InitialClusterFlag
{
    public static IReadOnlyList<(string Name, string? Url)> Members(string value) =>
    [
        .. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(m => m.Split('=', 2)).Select(p => (p[0], p.Length == 2 ? p[1] : null)),
    ];
}
