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
        var said = new List<(PeerTarget Target, FetchFailure Failure, string Reason)>();
        IReadOnlyList<PeerTarget> holders = targets;
        if (name is null)
        {
            var newest = await NewestAsync(targets, said, cancellationToken);
            if (newest.Count == 0)
            {
                throw Failed("no peer has a snapshot with its manifest", said);
            }

            name = newest[0].Name;
            holders = newest.Where(n => n.Name == name).Select(n => n.Target).ToList();
        }
        else if (!SnapshotFileName.TryParse(name, out _, out _, out _))
        {
            throw new FetchException(FetchFailure.NotFound, $"'{name}' is not a snapshot name (etcd-snapshot-<time>-<member>-r<revision>.db)");
        }

        foreach (var target in holders)
        {
            var started = _time.GetTimestamp();
            try
            {
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
            catch (FetchException e) when (e.Failure is not (FetchFailure.Exists or FetchFailure.NoSpace))
            {
                said.Add((target, e.Failure, e.Message));
            }
            catch (Exception e) when (e is not FetchException && (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested))
            {
                said.Add((target, e is HostKeyRefusedException ? FetchFailure.HostKeyRefused : FetchFailure.Unreachable, PeerErrors.Describe(e, target.Directory)));
            }

            FetchLog.Refused(logger, name, target.Host, target.Port, said[^1].Reason);
        }

        throw Failed($"{name} was not fetched", said);
    }

    /// <summary>One connection to one peer within <c>Peers.TimeoutSeconds</c>.</summary>
    private async Task<T> WithDeadlineAsync<T>(PeerTarget target, Func<PeerSession, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(options.Timeout, _time);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        await using var session = await PeerSession.ConnectAsync(target, options, logger, deadline.Token);
        return await work(session, deadline.Token);
    }

    /// <summary>
    /// The answer when no peer gave the snapshot: the most telling failure (a bad copy, then a refused
    /// host key, then a peer not reached, else simply not found), and what each peer said.
    /// </summary>
    private static FetchException Failed(string what, List<(PeerTarget Target, FetchFailure Failure, string Reason)> said)
    {
        FetchFailure[] order = [FetchFailure.Invalid, FetchFailure.HostKeyRefused, FetchFailure.Unreachable];
        var failure = order.FirstOrDefault(f => said.Exists(s => s.Failure == f), FetchFailure.NotFound);
        var details = said.Count == 0 ? "no peer in Peers.Targets" : string.Join("; ", said.Select(s => $"{s.Target}: {s.Reason}"));
        return new FetchException(failure, $"{what}: {details}");
    }
}
