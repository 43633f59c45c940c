namespace EtcdBackupd.Health;

/// <summary>One evaluation: the verdict and what it was drawn from, for <c>status</c>, <c>STATUS=</c> and the metrics.</summary>
internal sealed record HealthView(
    HealthReport Report, EtcdHealth Etcd, HeldSnapshot? NewestSnapshot, HeldSnapshot? NewestOwnSnapshot,
    IReadOnlyList<PeerRecord> Peers, DateTimeOffset? CertificateExpiresAt, DateTimeOffset CheckedAt)
{
    /// <summary>Each of <c>Offsite.Targets</c>, with what this master's uploads to it left; empty without targets.</summary>
    public IReadOnlyList<OffsiteRecord> Offsite { get; init; } = [];

    /// <summary><c>Health.MaxSnapshotAgeMinutes</c> as judged with: written beside the newest snapshot's time, so a rule can judge them without the daemon.</summary>
    public TimeSpan MaxSnapshotAge { get; init; }
}
