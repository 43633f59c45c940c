namespace EtcdBackupd.Health;

/// <summary>Everything the verdict reads, gathered by <see cref="HealthCheck"/>; values only, so the verdict is a pure function.</summary>
internal sealed record HealthInputs(
    EtcdHealth Etcd, HeldSnapshot? NewestSnapshot, IReadOnlyList<PeerRecord> Peers, DateTimeOffset? CertificateExpiresAt)
{
    /// <summary>This master's own newest snapshot: the one its off-site uploads are judged against.</summary>
    public HeldSnapshot? NewestOwnSnapshot { get; init; }

    /// <summary>
    /// This master takes no scheduled snapshots now (<c>TakenBy: leader</c> and another member leads): a copy
    /// that failed while it led is the new leader's to carry, once a newer snapshot of that leader is here.
    /// </summary>
    public bool FollowerUnderLeader { get; init; }

    /// <summary>Each of <c>Offsite.Targets</c>, with what this master's uploads to it left.</summary>
    public IReadOnlyList<OffsiteRecord> Offsite { get; init; } = [];
}
