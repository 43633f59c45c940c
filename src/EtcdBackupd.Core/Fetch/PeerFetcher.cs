using EtcdBackupd.Configuration;
using EtcdBackupd.Peers;
using EtcdBackupd.Snapshots;
using Microsoft.Extensions.Logging;

namespace EtcdBackupd.Fetch;

/// <summary>
/// Brings a snapshot from a peer into this master's directory, over the same SSH identity and pinned
/// host keys as the copies: for a master whose disk was replaced. Peers are asked in <c>Peers.Targets</c>
/// order; a peer without the snapshot, unreachable, or whose copy fails verification is passed over for
/// the next one, and the answer says what each said when none gave it.
/// </summary>
internal sealed partial class PeerFetcher(Live<PeersOptions> peers, string directory, SnapshotVerifier verifier, TimeProvider time, ILogger logger)
{
    private readonly SnapshotPlacement _placement = new(directory, verifier, time);

    private readonly TimeProvider _time = time;

    private PeersOptions options => peers.Current;

    /// <summary><paramref name="name"/> from the first of <paramref name="targets"/> that has a good copy, or with null the newest across them.</summary>
    public async Task<Fetched> FetchAsync(IReadOnlyList<PeerTarget> targets, string? name, Action<long, long>? progress, CancellationToken cancellationToken)
    {
        // Ranked: a bad copy, then a refused host key, then a peer not reached, else simply not found.
        var said = new FetchAttempts<PeerTarget>(t => t.ToString(), "no peer in Peers.Targets",
            (t, e) => (e is HostKeyRefusedException ? FetchFailure.HostKeyRefused : FetchFailure.Unreachable, PeerErrors.Describe(e, t.Directory)),
            FetchFailure.Invalid, FetchFailure.HostKeyRefused, FetchFailure.Unreachable);
        IReadOnlyList<PeerTarget> holders = targets;
        if (name is null)
        {
            var newest = await NewestAsync(targets, said, cancellationToken);
            if (newest.Count == 0)
            {
                throw said.Failed("no peer has a snapshot with its manifest");
            }

            name = newest[0].Name;
            holders = newest.Where(n => n.Name == name).Select(n => n.Target).ToList();
        }
        else if (!SnapshotFileName.TryParse(name, out _, out _, out _))
        {
            throw new FetchException(FetchFailure.NotFound, $"'{name}' is not a snapshot name (etcd-snapshot-<time>-<member>-r<revision>.db)");
        }

        var fetched = await said.FirstAsync(holders, t => t, (target, token) => FetchOneAsync(target, name, progress, token),
            (target, reason) => FetchLog.Refused(logger, name, target.Host, target.Port, reason), cancellationToken);
        return fetched ?? throw said.Failed($"{name} was not fetched");
    }

    private async Task<Fetched> FetchOneAsync(PeerTarget target, string name, Action<long, long>? progress, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var fetched = await WithDeadlineAsync(target, (session, token) => DownloadAsync(session, target, name, progress, token), cancellationToken);
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
