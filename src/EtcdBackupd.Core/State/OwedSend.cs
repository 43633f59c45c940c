using System.Text.Json.Serialization;

namespace EtcdBackupd.State;

/// <summary>What a peer is owed.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OwedKind>))]
internal enum OwedKind
{
    /// <summary>The snapshot and its manifest (an imported snapshot the peer did not take).</summary>
    Copy,

    /// <summary>The manifest alone, rewritten here (a pin or an unpin), for the peer's copy of the snapshot.</summary>
    Manifest,
}

/// <summary>
/// One send a peer did not take when it was made, kept in <c>copies.json</c> until it succeeds or has no
/// object any more (the snapshot left this master, the peer left <c>Peers.Targets</c>).
/// </summary>
internal sealed record OwedSend
{
    /// <summary><c>host:port</c>, as <see cref="CopyLedger.PeerKey(string, int)"/>.</summary>
    public required string Peer { get; init; }

    /// <summary>The target's directory there: two targets may share one host and port.</summary>
    public required string Directory { get; init; }

    /// <summary>The snapshot's file name in this master's directory.</summary>
    public required string Snapshot { get; init; }

    public required OwedKind Kind { get; init; }

    public required DateTimeOffset Since { get; init; }

    public int Tries { get; init; }

    public DateTimeOffset? LastAttemptAt { get; init; }

    public string? LastError { get; init; }

    public bool IsSameAs(OwedSend other) => Peer == other.Peer && Directory == other.Directory && Snapshot == other.Snapshot && Kind == other.Kind;
}
