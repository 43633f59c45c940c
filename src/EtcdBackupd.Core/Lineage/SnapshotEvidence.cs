using EtcdBackupd.Snapshots;

namespace EtcdBackupd.Lineage;

/// <summary>Which snapshots in the directory stand for a backup of this cluster, for health and for retention alike.</summary>
internal static class SnapshotEvidence
{
    /// <summary>
    /// Whether a snapshot with <paramref name="manifest"/> backs this cluster up: not one whose manifest names a cluster
    /// outside <paramref name="clusters"/> (this cluster's lineage, when it is known), pushed here by a misconfigured peer
    /// or imported; nor one imported without a manifest, named by its file's modification time, which a plain cp or scp
    /// resets, so it proves nothing recent.
    /// </summary>
    public static bool BacksUp(SnapshotManifest? manifest, IReadOnlyCollection<string> clusters) =>
        manifest?.Imported is not { HadManifest: false }
        && (clusters.Count == 0 || ClusterIds.Normalize(manifest?.ClusterId) is not { } cluster || clusters.Contains(cluster));
}
