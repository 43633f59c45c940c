namespace EtcdBackupd.Protocol.Results;

/// <summary><c>fetch</c>'s answer: the snapshot now in this master's directory, verified, and the peer it came from.</summary>
internal sealed record FetchResult
{
    public required string Path { get; init; }
    public required long SizeBytes { get; init; }
    public required string Sha256 { get; init; }
    public required long Revision { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The peer, <c>host:port</c>, and its directory.</summary>
    public required string Peer { get; init; }
    public required string PeerDirectory { get; init; }

    /// <summary>True when an identical file was here already: nothing was downloaded.</summary>
    public required bool AlreadyHere { get; init; }
}
