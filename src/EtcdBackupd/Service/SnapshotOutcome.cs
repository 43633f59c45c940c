using EtcdBackupd.Offsite;
using EtcdBackupd.Peers;

namespace EtcdBackupd.Service;

/// <summary>How one snapshot attempt ended: a result and its copies on the peers, or the error with its kind.</summary>
internal sealed record SnapshotOutcome(
    DateTimeOffset StartedAt, DateTimeOffset FinishedAt, string Reason, SnapshotResult? Result, SnapshotException? Error)
{
    public IReadOnlyList<PeerPushResult> Peers { get; init; } = [];

    /// <summary>Each off-site target's copy; none when no <c>Offsite.Targets</c> are configured.</summary>
    public IReadOnlyList<OffsiteUploadResult> Offsite { get; init; } = [];

    public bool Succeeded => Result is not null;

    public TimeSpan Duration => FinishedAt - StartedAt;

    /// <summary>The one shape scripts read, in <c>snapshot</c>, <c>status</c> and <c>etcd-backupd snapshot --json</c>.</summary>
    public SnapshotReport ToReport(bool withManifest = false) => new()
    {
        Ok = Succeeded,
        Path = Result?.Path,
        SizeBytes = Result?.Manifest.SizeBytes,
        Sha256 = Result?.Manifest.Sha256,
        Revision = Result?.Manifest.Revision,
        CreatedAt = Result?.Manifest.CreatedAt,
        FinishedAt = FinishedAt,
        DurationSeconds = Math.Round(Duration.TotalSeconds, 3),
        Reason = Reason,
        Failure = Error?.Failure.ToString(),
        Error = Error?.Message,
        Peers = [.. Peers.Select(p => p.ToCopy())],
        Offsite = Offsite.Count == 0 ? null : [.. Offsite.Select(o => o.ToCopy())],
        Manifest = withManifest ? Result?.Manifest : null,
    };
}
