using System.Text.Json;
using System.Text.Json.Serialization;

namespace EtcdBackupd.Protocol.Requests;

/// <summary>
/// <c>fetch</c> (root only): a snapshot and its manifest downloaded from a peer or an off-site target into
/// this master's directory, for a master whose disk was replaced. <see cref="File"/> or <see cref="Newest"/>, not both.
/// </summary>
internal sealed record FetchRequest : ControlRequest
{
    public const string Name = "fetch";

    public override string Command => Name;

    /// <summary>Where from; every peer of <c>Peers.Targets</c>, in order, when absent.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public FetchSource? Source { get; init; }

    /// <summary>A snapshot name (never a path): the peer's file of that name, or the off-site object of that snapshot.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? File { get; init; }

    /// <summary>The newest snapshot across the peers (or this cluster's in the off-site targets), by its manifest's <c>createdAt</c>.</summary>
    public bool Newest { get; init; }
}

/// <summary>Where a fetch looks: a peer (by host, and port when given), or the off-site targets (one by name, or each in order).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record FetchSource
{
    public required FetchSourceKind Kind { get; init; }

    /// <summary><c>peer</c>: a <c>Peers.Targets</c> host, as configured.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Host { get; init; }

    /// <summary><c>peer</c>: the target's port; any target of that host when absent.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Port { get; init; }

    /// <summary><c>offsite</c>: an <c>Offsite.Targets</c> name; every target, in order, when absent.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Target { get; init; }

    public override string ToString() => Kind switch
    {
        FetchSourceKind.Peer => "peer:" + Host + (Port is { } port ? $":{port}" : ""),
        _ => "offsite" + (Target is null ? "" : ":" + Target),
    };
}

/// <summary>The wire's <c>kind</c>: <c>peer</c> or <c>offsite</c>.</summary>
[JsonConverter(typeof(FetchSourceKindConverter))]
internal enum FetchSourceKind
{
    Peer,
    Offsite,
}

/// <summary>By name only, in lower case, as the wire spells them.</summary>
internal sealed class FetchSourceKindConverter() : JsonStringEnumConverter<FetchSourceKind>(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false);
