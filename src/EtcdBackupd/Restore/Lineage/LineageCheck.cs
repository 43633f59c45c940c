using EtcdBackupd.Etcd;
using EtcdBackupd.Lineage;
using Grpc.Core;

namespace EtcdBackupd.Restore;

/// <summary>
/// The restore's "right cluster" check, on the master that runs it: the snapshot's cluster ID (its
/// manifest) against this cluster's live ID and the lineage this master recorded. Asking etcd records
/// the live ID too, so the lineage also grows on masters that never take a snapshot.
/// </summary>
internal sealed class LineageCheck(EtcdOptions etcd, ClusterLineage lineage, ILogger<LineageCheck> logger)
{
    /// <summary>A dead etcd (every member's data lost) must not hold up the restore that brings it back.</summary>
    private static readonly TimeSpan DialTimeout = TimeSpan.FromSeconds(2);

    public async Task<ClusterMatch> CheckAsync(string snapshot, SnapshotManifest? manifest, bool otherCluster, CancellationToken cancellationToken)
    {
        var live = await RecordLiveAsync(cancellationToken);
        var match = ClusterJudge.Judge(manifest?.ClusterId, live, lineage.Known(), otherCluster);
        LineageLog.Checked(logger, snapshot, match.Verdict, match.Message);
        return match;
    }

    /// <summary>
    /// The refusal of a restore whose snapshot is of another cluster (without <paramref name="otherCluster"/>),
    /// or null when it may go ahead; an unknown cluster is a warning through <paramref name="warn"/>.
    /// </summary>
    public async Task<Reply?> RefuseAsync(string snapshot, SnapshotManifest? manifest, bool otherCluster, Action<string> warn, CancellationToken cancellationToken)
    {
        var match = await CheckAsync(snapshot, manifest, otherCluster, cancellationToken);
        if (match.Verdict == ClusterVerdict.Unknown)
        {
            warn("warning: " + match.Message);
        }

        return match.Refused ? Reply.Failure(ErrorCodes.OtherCluster, $"restore refused: {match.Message}; nothing was stopped") : null;
    }

    /// <summary>
    /// A member's answer to a cluster restore's phase: after wait-healthy it names the restored cluster's
    /// new ID, which joins the lineage here. Called where this member's answers leave it.
    /// </summary>
    public PhaseAnswer Restored(PhaseAnswer answer)
    {
        if (answer is { Ok: true, Result.Health: { } health })
        {
            lineage.Record(health.ClusterId);
        }

        return answer;
    }

    /// <summary>This cluster's ID now, recorded in the lineage; null when no endpoint answers.</summary>
    public async Task<string?> RecordLiveAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await EtcdConnection.ConnectAsync(etcd.WithDialTimeout(DialTimeout), logger, cancellationToken);
            var id = ClusterIds.Of(connection.Status.Header.ClusterId);
            lineage.Record(id);
            return id;
        }
        catch (Exception e) when (e is EtcdException or RpcException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }
}
