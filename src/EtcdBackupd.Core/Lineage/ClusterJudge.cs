using EtcdBackupd.Protocol.Restore;

namespace EtcdBackupd.Lineage;

/// <summary>
/// Decides whether a snapshot may replace this cluster's data: its manifest's cluster ID must be the
/// live one or one this cluster has had (each restore gives it a new one). The snapshot's own lineage
/// is never consulted: a snapshot of another cluster lists that cluster's history, not this one's.
/// </summary>
internal static class ClusterJudge
{
    /// <param name="snapshotClusterId">From the snapshot's manifest; null when it has none.</param>
    /// <param name="liveClusterId">From this cluster's etcd; null when it does not answer.</param>
    /// <param name="lineage">The IDs this master recorded, oldest first.</param>
    /// <param name="otherCluster">The operator's <c>--other-cluster</c>: another cluster's data is what they mean.</param>
    public static ClusterMatch Judge(string? snapshotClusterId, string? liveClusterId, IReadOnlyList<string> lineage, bool otherCluster)
    {
        var snapshot = ClusterIds.Normalize(snapshotClusterId);
        var live = ClusterIds.Normalize(liveClusterId);
        List<string> known = [.. lineage.Select(ClusterIds.Normalize).OfType<string>().Distinct()];
        var current = live ?? known.LastOrDefault();
        var earlier = known.Where(id => id != current).ToList();
        var history = earlier.Count == 0 ? "" : $" and has been {string.Join(", ", earlier)}";
        var now = live is null ? $"this cluster was last seen as {current} (etcd does not answer now)" : $"this cluster is {current}";

        ClusterMatch Match(ClusterVerdict verdict, string message, bool refused = false) =>
            new(snapshot, live, known, verdict, refused, message);

        if (snapshot is null)
        {
            return Match(ClusterVerdict.Unknown, "the snapshot's manifest names no cluster ID: whether it is of this cluster cannot be checked");
        }

        if (current is null)
        {
            return Match(ClusterVerdict.Unknown,
                $"the snapshot is of cluster {snapshot}, but this cluster's ID is unknown (etcd does not answer and this master has recorded none): whether it is the same cluster cannot be checked");
        }

        if (snapshot == current)
        {
            return Match(ClusterVerdict.Same, $"the snapshot is of this cluster ({snapshot})");
        }

        if (known.Contains(snapshot))
        {
            return Match(ClusterVerdict.Lineage, $"the snapshot is of cluster {snapshot}, which this cluster was before a restore ({now})");
        }

        return otherCluster
            ? Match(ClusterVerdict.Other, $"the snapshot is of cluster {snapshot}; {now}{history}; it replaces this cluster's data with another cluster's, as --other-cluster asks")
            : Match(ClusterVerdict.Other,
                $"the snapshot is of cluster {snapshot}; {now}{history}; restoring it replaces this cluster's data with another cluster's: add --other-cluster if that is what you mean",
                refused: true);
    }
}
