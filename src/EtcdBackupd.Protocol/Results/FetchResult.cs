using System.Text.Json.Serialization;

namespace EtcdBackupd.Protocol.Results;

/// <summary><c>fetch</c>'s answer: the snapshot now in this master's directory, verified, and where it came from.</summary>
internal sealed record FetchResult
{
    public required string Path { get; init; }
    public required long SizeBytes { get; init; }
    public required string Sha256 { get; init; }
    public required long Revision { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>From a peer: the peer, <c>host:port</c>, and its directory; left out for an off-site fetch.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Peer { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? PeerDirectory { get; init; }

    /// <summary>From an off-site target: which, and the object; left out for a peer fetch.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public OffsiteSource? Offsite { get; init; }

    /// <summary>True when an identical file was here already: nothing was downloaded.</summary>
    public required bool AlreadyHere { get; init; }
}

/// <summary>
/// The object a snapshot was fetched from. <see cref="ClusterChecked"/> is false when the fetching master knew
/// none of its cluster's IDs (no lineage in <c>State.Directory</c>, as on a master rebuilt from nothing): the
/// object was taken on its prefix alone.
/// </summary>
internal sealed record OffsiteSource(string Target, string Bucket, string Key, string Compression, bool Encrypted, bool ClusterChecked);
