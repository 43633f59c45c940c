using System.Text.Json.Serialization;

namespace EtcdBackupd.Restore;

/// <summary>How an undo step undoes: start a unit again, or put the old data directory (or, in a mount point, what it held) back.</summary>
[JsonConverter(typeof(StrictEnum<UndoKind>))]
internal enum UndoKind
{
    [JsonStringEnumMemberName("start-unit")] StartUnit,
    [JsonStringEnumMemberName("move-back")] MoveBack,
    [JsonStringEnumMemberName("stop-unit")] StopUnit,
    [JsonStringEnumMemberName("move-aside")] MoveAside,
    [JsonStringEnumMemberName("contents-back")] ContentsBack,
}

/// <summary>
/// One step that undoes another, as data: a restarted daemon must be able to run it. <see cref="Names"/>: the
/// entries a move of a mount point's contents moves, each a rename of its own.
/// </summary>
internal sealed record UndoStep(UndoKind Kind, string What, string? Unit = null, string? DataDir = null, string? OldDir = null, IReadOnlyList<string>? Names = null);

/// <summary>
/// A member's restore session as written to <c>State.Directory</c> before each step and after it
/// (write-ahead): what a daemon restarted in the middle of a restore reloads, so the session can still
/// be finished or rolled back. Mutable: the session updates it and saves it whole.
/// </summary>
internal sealed class SessionRecord
{
    public const int CurrentFormat = 1;

    public int Format { get; set; } = CurrentFormat;

    public required string Id { get; set; }

    /// <summary>The snapshot's path on this member.</summary>
    public required string Snapshot { get; set; }

    public string? Sha256 { get; set; }

    public string? Coordinator { get; set; }

    public required DateTimeOffset OpenedAt { get; set; }

    public SessionOutcome Outcome { get; set; } = SessionOutcome.Open;

    public List<RestorePhase> Done { get; set; } = [];

    /// <summary>The phase begun and not yet ended; after a restart, the phase the daemon died in.</summary>
    public RestorePhase? Running { get; set; }

    public RestorePhase? Failed { get; set; }

    public bool? IsLeader { get; set; }

    public string? MemberName { get; set; }

    public string? Command { get; set; }

    /// <summary>Whether etcd was (or may have been) stopped: a rollback stops a half-restored etcd first.</summary>
    public bool EtcdStopped { get; set; }

    public string? OldDataDir { get; set; }

    /// <summary>
    /// The data directory did not exist when the restore began (a replaced disk): whatever is there on a
    /// later attempt is an earlier attempt's output, never old data to keep or to copy an owner from.
    /// </summary>
    public bool NoOldData { get; set; }

    /// <summary>Where the old WAL directory went, when etcd keeps it apart from the data (<c>--wal-dir</c>).</summary>
    public string? OldWalDir { get; set; }

    /// <summary>The WAL directory did not exist when the restore began; as <see cref="NoOldData"/>.</summary>
    public bool NoOldWal { get; set; }

    /// <summary>Last pushed, first undone.</summary>
    public List<UndoStep> Undo { get; set; } = [];

    public List<string> Steps { get; set; } = [];

    public DateTimeOffset? ClosedAt { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(SessionRecord))]
internal sealed partial class SessionJsonContext : JsonSerializerContext;
