namespace EtcdBackupd.Health;

/// <summary>One evaluation: the verdict and what it was drawn from, for <c>status</c>, <c>STATUS=</c> and the metrics.</summary>
internal sealed record HealthView(
    HealthReport Report, EtcdHealth Etcd, HeldSnapshot? NewestSnapshot, HeldSnapshot? NewestOwnSnapshot,
    IReadOnlyList<PeerRecord> Peers, DateTimeOffset? CertificateExpiresAt, DateTimeOffset CheckedAt);
