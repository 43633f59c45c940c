using System.Text.Json.Serialization;

namespace EtcdBackupd.Protocol.Restore;

/// <summary>Whether a snapshot is of the cluster being restored: its manifest's cluster ID against this cluster's lineage.</summary>
[JsonConverter(typeof(StrictEnum<ClusterVerdict>))]
internal enum ClusterVerdict
{
    /// <summary>The snapshot is of the cluster as it is now.</summary>
    [JsonStringEnumMemberName("same")] Same,

    /// <summary>The snapshot is of this cluster before one of its restores (an older ID of its lineage).</summary>
    [JsonStringEnumMemberName("lineage")] Lineage,

    /// <summary>The snapshot is of another cluster: refused unless <c>otherCluster</c> is given.</summary>
    [JsonStringEnumMemberName("other")] Other,

    /// <summary>The snapshot names no cluster ID, or nothing is known of this cluster's: a warning, not a refusal.</summary>
    [JsonStringEnumMemberName("unknown")] Unknown,
}

/// <summary>
/// The <c>cluster</c> of a restore plan: the snapshot's cluster ID, the live one (null when etcd does
/// not answer), the IDs this cluster has had (this master's lineage), the verdict, and whether a real
/// restore would be refused for it, with the sentence that says why.
/// </summary>
internal sealed record ClusterMatch(
    string? SnapshotClusterId, string? LiveClusterId, IReadOnlyList<string> Lineage, ClusterVerdict Verdict, bool Refused, string Message);
