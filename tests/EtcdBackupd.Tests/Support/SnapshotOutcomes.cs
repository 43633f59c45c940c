using EtcdBackupd.Peers;
using EtcdBackupd.Service;
using EtcdBackupd.Snapshots;

namespace EtcdBackupd.Tests.Support;

/// <summary>Ended snapshot attempts as the coordinator reports them, each three seconds long, for what reads the daemon's state.</summary>
internal static class SnapshotOutcomes
{
    /// <summary>A verified snapshot of revision 42, 8224 bytes; nothing is written.</summary>
    public static SnapshotOutcome Succeeded(DateTimeOffset finishedAt, params PeerPushResult[] peers) =>
        new(finishedAt.AddSeconds(-3), finishedAt, "test", SyntheticSnapshots.InMemoryResult(finishedAt, 8192), null) { Peers = peers };

    public static SnapshotOutcome Failed(DateTimeOffset finishedAt, SnapshotFailure failure = SnapshotFailure.EtcdUnavailable) =>
        new(finishedAt.AddSeconds(-3), finishedAt, "test", null, new SnapshotException(failure, "etcd unreachable"));
}
