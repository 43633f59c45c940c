namespace EtcdBackupd.Health;

/// <summary>Everything the verdict reads, gathered by <see cref="HealthCheck"/>; values only, so the verdict is a pure function.</summary>
internal sealed record HealthInputs(
    EtcdHealth Etcd, HeldSnapshot? NewestSnapshot, IReadOnlyList<PeerRecord> Peers, DateTimeOffset? CertificateExpiresAt);
