using EtcdBackupd.Peers;
using EtcdBackupd.Snapshots;

namespace EtcdBackupd.Service;

/// <summary>How one snapshot attempt ended: a result and its copies on the peers, or the error with its kind.</summary>
internal sealed record SnapshotOutcome(
    DateTimeOffset StartedAt, DateTimeOffset FinishedAt, string Reason, SnapshotResult? Result, SnapshotException? Error)
{
    public IReadOnlyList<PeerPushResult> Peers { get; init; } = [];

    public bool Succeeded => Result is not null;

    public TimeSpan Duration => FinishedAt - StartedAt;
}
