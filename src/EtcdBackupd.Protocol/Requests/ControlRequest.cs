using System.Text.Json.Serialization;

namespace EtcdBackupd.Protocol.Requests;

/// <summary>
/// A request's arguments, one record per command. <see cref="Command"/> is the wire's <c>command</c>
/// field: written when the CLI sends the request, and the key the daemon dispatches on.
/// </summary>
internal abstract record ControlRequest
{
    [JsonPropertyOrder(-1)]
    public abstract string Command { get; }
}

// The commands without arguments: one line each.
internal sealed record StatusRequest : ControlRequest { public const string Name = "status"; public override string Command => Name; }
internal sealed record ListRequest : ControlRequest { public const string Name = "list"; public override string Command => Name; }
internal sealed record PeersRequest : ControlRequest { public const string Name = "peers"; public override string Command => Name; }
internal sealed record CheckRequest : ControlRequest { public const string Name = "check"; public override string Command => Name; }

internal sealed record VerifyRequest : ControlRequest
{
    public const string Name = "verify";

    public override string Command => Name;

    /// <summary>A snapshot name, or a path inside the snapshot directory.</summary>
    public required string File { get; init; }
}

internal sealed record PruneRequest : ControlRequest
{
    public const string Name = "prune";

    public override string Command => Name;

    public bool DryRun { get; init; }
}

internal sealed record SnapshotRequest : ControlRequest
{
    public const string Name = "snapshot";

    public override string Command => Name;

    /// <summary>Pin the snapshot this request answers with, under this label (root only).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Pin { get; init; }
}

/// <summary><c>pin</c>: keep a snapshot whatever its age, here and on the peers that hold it (root only).</summary>
internal sealed record PinRequest : ControlRequest
{
    public const string Name = "pin";

    public override string Command => Name;

    /// <summary>A snapshot name, or a path inside the snapshot directory.</summary>
    public required string File { get; init; }

    public required string Label { get; init; }
}

/// <summary><c>unpin</c>: give a snapshot back to retention (root only).</summary>
internal sealed record UnpinRequest : ControlRequest
{
    public const string Name = "unpin";

    public override string Command => Name;

    /// <summary>A snapshot name, or a path inside the snapshot directory.</summary>
    public required string File { get; init; }
}
