using System.Text.Json.Serialization;
using EtcdBackupd.Snapshots;

namespace EtcdBackupd.Protocol.Restore;

/// <summary>One restore parameter and where it came from, so the plan can say why it uses it.</summary>
internal sealed record Sourced(string Value, string Source);

/// <summary>The flags etcd's restore tool gets for this member.</summary>
internal sealed record RestoreParameters(
    Sourced Name, Sourced InitialCluster, Sourced InitialClusterToken, Sourced InitialAdvertisePeerUrls, Sourced DataDir);

/// <summary>What a restore of one member would do, changing nothing: the <c>restore --dry-run</c> result.</summary>
internal record RestorePlan
{
    public required string Snapshot { get; init; }

    /// <summary>The exact command line of etcd's own restore tool.</summary>
    public required string Command { get; init; }

    public required RestoreParameters Parameters { get; init; }

    /// <summary>Anything that stops a real restore; empty when it may go ahead.</summary>
    public required IReadOnlyList<string> Problems { get; init; }

    /// <summary>Which of etcd's tools restores, and why that one.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Sourced? Tool { get; init; }

    /// <summary>
    /// The snapshot has no manifest: what etcd's own tool reports of it (hash, revision, keys, size) stands
    /// in for one. Null when a manifest vouches for the file.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SnapshotFacts? WithoutManifest { get; init; }

    /// <summary>Whether the snapshot is of this cluster (<c>restore</c> on this member); absent from a cluster member's phase plan.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ClusterMatch? Cluster { get; init; }
}

/// <summary>The result of a restore of this member: its plan, every step taken, and where the old data is.</summary>
internal sealed record LocalRestoreResult : RestorePlan
{
    public required IReadOnlyList<string> Steps { get; init; }

    public required string? OldDataDir { get; init; }

    /// <summary>Where the old WAL is kept, when etcd keeps its WAL apart (<c>--wal-dir</c>); absent otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? OldWalDir { get; init; }
}

/// <summary>A member's plan in a cluster restore: its own plan, and whether it holds the same snapshot.</summary>
internal sealed record PhasePlan : RestorePlan
{
    public required bool Present { get; init; }

    /// <summary>The SHA-256 of the member's copy, from its manifest (a dry run reads no gigabytes).</summary>
    public required string? Sha256 { get; init; }

    public required int Protocol { get; init; }
}

/// <summary>The check that opened a member's session: who it is and what it will run.</summary>
internal sealed record MemberCheck(string Member, bool? IsLeader, string Command, int Protocol);

/// <summary>A member's etcd after the restart, in etcd's hexadecimal IDs.</summary>
internal sealed record MemberHealth(string MemberId, string ClusterId, string Leader);

/// <summary>How a rollback ended: every undo step done, or some failed (an operator must finish by hand).</summary>
[JsonConverter(typeof(StrictEnum<RollbackState>))]
internal enum RollbackState
{
    [JsonStringEnumMemberName("complete")] Complete,
    [JsonStringEnumMemberName("incomplete")] Incomplete,
}

/// <summary>
/// A member's answer to one <c>restore-phase</c> request: the phase, the steps it took, and what that
/// phase reports (its plan, its check, its health, its rollback) as values the coordinator decides on.
/// </summary>
internal sealed record PhaseResult
{
    public required RestorePhase Phase { get; init; }

    public required IReadOnlyList<string> Steps { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PhasePlan? Plan { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public MemberCheck? Check { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public MemberHealth? Health { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public RollbackState? Rollback { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? OldDataDir { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? OldWalDir { get; init; }

    /// <summary>The session as this member records it (<c>state</c>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SessionState? Session { get; init; }
}
