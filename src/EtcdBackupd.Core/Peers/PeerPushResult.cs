namespace EtcdBackupd.Peers;

/// <summary>What became of one snapshot on one peer.</summary>
internal sealed record PeerPushResult(string Host, int Port, bool Ok, bool Skipped, string? Error, int Attempts, TimeSpan Duration);
