using System.Text.Json.Serialization;
using EtcdBackupd.Protocol.Restore;

namespace EtcdBackupd.Protocol.Requests;

/// <summary><c>restore</c>: this member, or with <see cref="Cluster"/> every member; <see cref="Yes"/> or <see cref="DryRun"/> required.</summary>
internal sealed record RestoreRequest : ControlRequest
{
    public const string Name = "restore";

    public override string Command => Name;

    /// <summary>A snapshot name, a path inside the snapshot directory, or with <see cref="Descriptor"/> the caller's path of the file sent.</summary>
    public required string File { get; init; }

    /// <summary>The file is the descriptor sent with this request; a real restore imports it first.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SentDescriptor? Descriptor { get; init; }

    public bool DryRun { get; init; }

    public bool Yes { get; init; }

    public bool Cluster { get; init; }

    /// <summary>
    /// The snapshot may be of another cluster than this one (its cluster ID outside this cluster's
    /// lineage): its data is meant to replace this cluster's. Without it such a restore is refused.
    /// </summary>
    public bool OtherCluster { get; init; }
}

/// <summary><c>restore-phase</c>: one step of a cluster restore on this member, sent by its coordinator.</summary>
internal sealed record RestorePhaseRequest : ControlRequest
{
    public const string Name = "restore-phase";

    public override string Command => Name;

    /// <summary>The session <see cref="RestorePhase.Check"/> opened; at most 64 characters.</summary>
    public required string Session { get; init; }

    public required RestorePhase Phase { get; init; }

    /// <summary>The snapshot's file name in the member's own directory (<c>plan</c> and <c>check</c>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? File { get; init; }

    /// <summary>The SHA-256 every member must find (<c>check</c>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Sha256 { get; init; }

    /// <summary>The coordinator's <see cref="ControlFraming.ProtocolVersion"/> (<c>plan</c> and <c>check</c>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Protocol { get; init; }

    /// <summary>
    /// Who sends it: the coordinator's host and run, at most 128 characters. A request from the session's
    /// coordinator renews its lease; one from anybody else steps or rolls back the session only after the
    /// lease has run out, and then takes the session over.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Coordinator { get; init; }
}

/// <summary>
/// <c>recover</c> (<c>etcd-backupctl restore --recover SESSION</c>): brings a cluster restore whose
/// coordinator is gone to one end on every member, restored everywhere or rolled back everywhere.
/// </summary>
internal sealed record RecoverRequest : ControlRequest
{
    public const string Name = "recover";

    public override string Command => Name;

    public required string Session { get; init; }

    public bool DryRun { get; init; }

    public bool Yes { get; init; }
}
