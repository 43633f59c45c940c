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
internal sealed record PeersRequest : ControlRequest { public const string Name = "peers"; public override string Command => Name; }
internal sealed record CheckRequest : ControlRequest { public const string Name = "check"; public override string Command => Name; }

internal sealed record VerifyRequest : ControlRequest
{
    public const string Name = "verify";

    public override string Command => Name;

    /// <summary>A snapshot name, a path inside the snapshot directory, or with <see cref="Descriptor"/> the caller's path of the file sent.</summary>
    public required string File { get; init; }

    /// <summary>The file is the descriptor sent with this request (any path the caller can read).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SentDescriptor? Descriptor { get; init; }

    /// <summary>Re-read <see cref="File"/>'s object in the off-site targets instead (a snapshot name, never a path).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public OffsiteScope? Offsite { get; init; }
}

/// <summary><c>list</c>: the snapshot directory, or with <see cref="Offsite"/> this cluster's objects in the off-site targets.</summary>
internal sealed record ListRequest : ControlRequest
{
    public const string Name = "list";

    public override string Command => Name;

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public OffsiteScope? Offsite { get; init; }
}

/// <summary>Which off-site targets a request reads: one by its <c>Offsite.Targets</c> name, or every one when <see cref="Target"/> is absent.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record OffsiteScope
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Target { get; init; }

    public override string ToString() => "offsite" + (Target is null ? "" : ":" + Target);
}

/// <summary>
/// <c>import</c> (root only): the file sent with the request becomes one of the directory's snapshots, under
/// our name and with a manifest marked imported, so list, verify, retention and pushes treat it as ours.
/// </summary>
internal sealed record ImportRequest : ControlRequest
{
    public const string Name = "import";

    public override string Command => Name;

    /// <summary>The caller's path of the file (recorded as its origin).</summary>
    public required string File { get; init; }

    /// <summary>The file itself: an import always carries one.</summary>
    public required SentDescriptor Descriptor { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Pin { get; init; }
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
