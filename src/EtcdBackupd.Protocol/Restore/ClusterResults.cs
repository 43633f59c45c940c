using System.Text.Json.Serialization;

namespace EtcdBackupd.Protocol.Restore;

/// <summary>The result of <c>restore --cluster</c>, and the <c>result</c> beside the error when it failed.</summary>
internal sealed record ClusterRestoreResult(string Snapshot, string Sha256, IReadOnlyList<MemberSteps> Members);

/// <summary>One member's steps in a cluster restore, in order, its rollback included.</summary>
internal sealed record MemberSteps(string Member, IReadOnlyList<string> Steps);

/// <summary>The result of <c>restore --cluster --dry-run</c>.</summary>
internal sealed record ClusterPlan(string Snapshot, string? Sha256, bool DryRun, IReadOnlyList<string> Phases, IReadOnlyList<ClusterMemberPlan> Members);

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
}
