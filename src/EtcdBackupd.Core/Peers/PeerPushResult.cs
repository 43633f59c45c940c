using EtcdBackupd.Protocol.Results;

namespace EtcdBackupd.Peers;

/// <summary>What became of one snapshot on one peer.</summary>
internal sealed record PeerPushResult(string Host, int Port, bool Ok, bool Skipped, string? Error, int Attempts, TimeSpan Duration)
{
    /// <summary>Whose record in the copy ledger this result updates: <see cref="State.CopyLedger.PeerKey(PeerTarget, IReadOnlyList{PeerTarget})"/>.</summary>
    public string Peer { get; init; } = State.CopyLedger.PeerKey(Host, Port);

    /// <summary>The target's directory there; set by the pusher, as <see cref="Peer"/> is.</summary>
    public string? Directory { get; init; }

    /// <summary>The copy as the protocol reports it.</summary>
    public PeerCopy ToCopy() => new(Host, Port, Ok, Skipped, Error) { Directory = Directory };
}
