using EtcdBackupd.Protocol.Results;

namespace EtcdBackupd.Peers;

/// <summary>What became of one snapshot on one peer.</summary>
internal sealed record PeerPushResult(string Host, int Port, bool Ok, bool Skipped, string? Error, int Attempts, TimeSpan Duration)
{
    /// <summary>The copy as the protocol reports it.</summary>
    public PeerCopy ToCopy() => new(Host, Port, Ok, Skipped, Error);
}
