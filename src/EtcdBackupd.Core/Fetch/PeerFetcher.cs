using EtcdBackupd.Configuration;
using EtcdBackupd.Lineage;
using EtcdBackupd.Peers;
using EtcdBackupd.Snapshots;
using Microsoft.Extensions.Logging;

namespace EtcdBackupd.Fetch;

/// <summary>
/// Brings a snapshot from a peer into this master's directory, over the same SSH identity and pinned
/// host keys as the copies: for a master whose disk was replaced. Peers are asked in <c>Peers.Targets</c>
/// order; a peer without the snapshot, unreachable, or whose copy fails verification is passed over for
/// the next one, and the answer says what each said when none gave it. A peer may be a backup host other
/// clusters push to as well: a snapshot whose manifest names another cluster than the lineage recorded here
/// is never fetched, and the newest is looked for among this cluster's only.
/// </summary>
internal sealed partial class PeerFetcher(Live<PeersOptions> peers, ClusterLineage lineage, string directory, SnapshotVerifier verifier, TimeProvider time, ILogger logger)
{
    private readonly SnapshotPlacement _placement = new(directory, verifier, time);

    private readonly TimeProvider _time = time;

    private PeersOptions options => peers.Current;

    /// <summary><paramref name="name"/> from the first of <paramref name="targets"/> that has a good copy, or with null the newest across them.</summary>
    public async Task<Fetched> FetchAsync(IReadOnlyList<PeerTarget> targets, string? name, Action<long, long>? progress, CancellationToken cancellationToken)
    {
        // Ranked: a bad copy, another cluster's, a refused host key, a peer not reached, else simply not found.
        var said = new FetchAttempts<PeerTarget>(t => t.ToString(), "no peer in Peers.Targets",
            (t, e) => (e is HostKeyRefusedException ? FetchFailure.HostKeyRefused : FetchFailure.Unreachable, PeerErrors.Describe(e, t.Directory)),
            FetchFailure.Invalid, FetchFailure.OtherCluster, FetchFailure.HostKeyRefused, FetchFailure.Unreachable);
        IReadOnlyList<PeerTarget> holders = targets;
        var known = lineage.Known();
        if (name is null)
        {
            var newest = await NewestAsync(targets, known, said, cancellationToken);
            if (newest.Count == 0)
            {
                throw said.Failed(known.Count > 0 ? "no peer has a snapshot of this cluster with its manifest" : "no peer has a snapshot with its manifest");
            }

            // Nothing here says which is ours (a new disk took the lineage with it): the newest may be another cluster's. A restore
            // gives a cluster a new ID, so one cluster's snapshots name several; the newest's manifest lists those its master knew.
            var family = newest[0].Lineage.Append(newest[0].ClusterId).OfType<string>().ToHashSet(StringComparer.Ordinal);
            if (known.Count == 0 && newest.Select(n => n.ClusterId).OfType<string>().Where(id => !family.Contains(id)).Distinct().Order(StringComparer.Ordinal).ToList()
                is { Count: > 0 } strangers)
            {
                throw new FetchException(FetchFailure.OtherCluster,
                    $"the newest snapshot on the peers, {newest[0].Name}, is of cluster {newest[0].ClusterId ?? "(none named)"}, and they also hold snapshots of "
                    + $"{string.Join(", ", strangers)}, which its manifest does not name as the same cluster's; {lineage.Path} records none for this master, "
                    + "so the newest could be another cluster's: fetch one by its name, after checking its manifest's clusterId; nothing was fetched");
            }

            name = newest[0].Name;
            holders = newest.Where(n => n.Name == name).Select(n => n.Target).ToList();
        }
        else if (!SnapshotFileName.TryParse(name, out _, out _, out _))
        {
            throw new FetchException(FetchFailure.NotFound, $"'{name}' is not a snapshot name (etcd-snapshot-<time>-<member>-r<revision>.db)");
        }

        var fetched = await said.FirstAsync(holders, t => t, (target, token) => FetchOneAsync(target, name, known, progress, token),
            (target, reason) => FetchLog.Refused(logger, name, target.Host, target.Port, reason), cancellationToken);
        return fetched ?? throw said.Failed($"{name} was not fetched");
    }

    private async Task<Fetched> FetchOneAsync(PeerTarget target, string name, IReadOnlyList<string> known, Action<long, long>? progress, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var fetched = await WithDeadlineAsync(target, (session, token) => DownloadAsync(session, target, name, known, progress, token), cancellationToken);
        if (fetched.AlreadyHere)
        {
            FetchLog.AlreadyHere(logger, fetched.Path, target.Host, target.Port);
        }
        else
        {
            var seconds = _time.GetElapsedTime(started).TotalSeconds;
            FetchLog.Fetched(logger, fetched.Path, target.Host, target.Port, target.Directory, fetched.Manifest.SizeBytes, seconds);
        }

        return fetched;
    }

    /// <summary>One connection to one peer within <c>Peers.TimeoutSeconds</c>.</summary>
    private async Task<T> WithDeadlineAsync<T>(PeerTarget target, Func<PeerSession, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(options.Timeout, _time);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        await using var session = await PeerSession.ConnectAsync(target, options, logger, deadline.Token);
        return await work(session, deadline.Token);
    }
}
