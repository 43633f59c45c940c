using System.Text.Json.Serialization;
using EtcdBackupd.Protocol.Restore;

namespace EtcdBackupd.Protocol.Requests;

/// <summary><c>restore</c>: this member, or with <see cref="Cluster"/> every member; <see cref="Yes"/> or <see cref="DryRun"/> required.</summary>
internal sealed record RestoreRequest : ControlRequest
{
    public const string Name = "restore";

    public override string Command => Name;

    public required string File { get; init; }

    public bool DryRun { get; init; }

    public bool Yes { get; init; }

    public bool Cluster { get; init; }
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
}
