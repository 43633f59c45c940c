using System.Text.Json.Serialization;
using EtcdBackupd.Snapshots;

namespace EtcdBackupd.Protocol.Restore;

/// <summary>The result of <c>restore --cluster</c>, and the <c>result</c> beside the error when it failed.</summary>
internal sealed record ClusterRestoreResult(string Snapshot, string Sha256, IReadOnlyList<MemberSteps> Members);

/// <summary>One member's steps in a cluster restore, in order, its rollback included.</summary>
internal sealed record MemberSteps(string Member, IReadOnlyList<string> Steps);

/// <summary>The result of <c>restore --cluster --dry-run</c>; <see cref="Cluster"/> says whether the snapshot is of this cluster.</summary>
internal sealed record ClusterPlan(
    string Snapshot, string? Sha256, bool DryRun, IReadOnlyList<string> Phases, IReadOnlyList<ClusterMemberPlan> Members,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ClusterMatch? Cluster = null)
{
    /// <summary>The snapshot was sent without a manifest: what etcd's tool reports stands in for it (as in <see cref="RestorePlan.WithoutManifest"/>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SnapshotFacts? WithoutManifest { get; init; }
}

/// <summary>
/// One member's plan in a cluster dry run: its plan and copy state, or the error that would stop a
/// real restore (an unreachable member has only <see cref="Error"/>).
/// </summary>
internal sealed record ClusterMemberPlan
{
    public required string Member { get; init; }

    /// <summary><c>same snapshot</c>, <c>missing: would be pushed</c> or <c>differs: would be replaced</c>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Copy { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Error { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Snapshot { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Command { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public RestoreParameters? Parameters { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Problems { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Present { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Sha256 { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Protocol { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Sourced? Tool { get; init; }
}

/// <summary>What <c>restore --recover</c> decided for a session: never a mix of the two ends.</summary>
[JsonConverter(typeof(StrictEnum<RecoveryDecision>))]
internal enum RecoveryDecision
{
    /// <summary>Every member had restored its data: the restore is finished everywhere.</summary>
    [JsonStringEnumMemberName("finish")] Finish,

    /// <summary>At least one member had not: every member goes back to its old data.</summary>
    [JsonStringEnumMemberName("roll-back")] RollBack,

    /// <summary>Nothing to do (already closed everywhere), or nothing may be done yet (a lease, an unreachable member).</summary>
    [JsonStringEnumMemberName("nothing")] Nothing,
}

/// <summary>The result of <c>restore --recover SESSION</c>: the decision and why, and each member's state and steps.</summary>
internal sealed record RecoveryResult(string Session, RecoveryDecision Decision, string Reason, bool DryRun, IReadOnlyList<MemberRecovery> Members);

/// <summary>One member in a recovery: its session as it recorded it (null when it has none), and what the recovery did there.</summary>
internal sealed record MemberRecovery(string Member, SessionState? State, string? Error, IReadOnlyList<string> Steps);
