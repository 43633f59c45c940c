using System.Text.Json.Serialization;

namespace EtcdBackupd.Protocol.Restore;

/// <summary>How a member's restore session stands: still open, or how it was closed.</summary>
[JsonConverter(typeof(StrictEnum<SessionOutcome>))]
internal enum SessionOutcome
{
    [JsonStringEnumMemberName("open")] Open,

    /// <summary>Closed after the restore succeeded everywhere; the restored data stays.</summary>
    [JsonStringEnumMemberName("finished")] Finished,

    [JsonStringEnumMemberName("rolled-back")] RolledBack,

    /// <summary>A rollback ran but an undo step failed: an operator must finish by hand (the steps say which).</summary>
    [JsonStringEnumMemberName("rollback-incomplete")] RollbackIncomplete,
}

/// <summary>
/// One member's restore session as its durable record has it: the answer to <c>restore-phase</c>
/// <c>state</c>, what <c>restore --recover</c> decides on, and what <c>status</c> shows while it is open.
/// </summary>
internal sealed record SessionState
{
    public required string Session { get; init; }

    public required SessionOutcome Outcome { get; init; }

    /// <summary>The snapshot's file name in the member's snapshot directory.</summary>
    public required string Snapshot { get; init; }

    public required string? Sha256 { get; init; }

    /// <summary>Who drives the session: the coordinator's host and run, as it named itself.</summary>
    public required string? Coordinator { get; init; }

    public required DateTimeOffset OpenedAt { get; init; }

    /// <summary>The phases this member has completed, in order (<c>check</c> first).</summary>
    public required IReadOnlyList<RestorePhase> Done { get; init; }

    /// <summary>The phase running here now, if any.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public RestorePhase? Running { get; init; }

    /// <summary>The phase that failed here, if one did.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public RestorePhase? Failed { get; init; }

    /// <summary>
    /// Seconds until the coordinator's lease runs out (0: expired). While it runs, or a step runs, only
    /// the coordinator may step the session: a rollback or recovery from anywhere else is refused.
    /// </summary>
    public required int LeaseSecondsLeft { get; init; }
}
