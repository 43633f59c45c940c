using EtcdBackupd.Configuration;
using EtcdBackupd.Snapshots;
using EtcdBackupd.State;
using Microsoft.Extensions.Logging;

namespace EtcdBackupd.Peers;

/// <summary>
/// Sends a snapshot and its manifest to every peer, in parallel up to <c>Peers.Parallelism</c>. A peer
/// never sees a partial file under a snapshot's name: the upload goes to <c>.part</c> (0600 before
/// any data), its size is checked, then a POSIX rename puts it in place. A dead or slow peer costs at
/// most <c>Peers.TimeoutSeconds</c> and never fails the snapshot; each result is returned and logged.
/// A problem a retry would meet again (too little space, no permission, no directory) is not retried.
/// </summary>
internal sealed partial class PeerPusher(Live<PeersOptions> peers, TimeProvider time, ILogger logger)
{
    /// <summary>Read at each use: the daemon's reload replaces it between snapshots.</summary>
    private PeersOptions options => peers.Current;

    /// <summary>For testing and progress: called with a target and the bytes of the snapshot uploaded so far.</summary>
    public Action<PeerTarget, ulong>? OnUploaded { get; init; }

    /// <summary>Where every push's results are kept for the daemon's health verdict and metrics; none in tests that do not ask.</summary>
    public CopyLedger? Ledger { get; init; }

    /// <summary>To every target; a target whose copy has the same size and manifest SHA-256 is skipped.</summary>
    public Task<IReadOnlyList<PeerPushResult>> PushAsync(SnapshotResult snapshot, CancellationToken cancellationToken) =>
        PushAsync(options.Targets, snapshot, replace: false, cancellationToken);

    /// <summary>
    /// To <paramref name="targets"/> only, whatever their manifest says: a copy whose bytes went bad
    /// under a good manifest (a restore's check found it) is replaced by this master's.
    /// </summary>
    public Task<IReadOnlyList<PeerPushResult>> ReplaceAsync(SnapshotResult snapshot, IReadOnlyList<PeerTarget> targets, CancellationToken cancellationToken) =>
        PushAsync(targets, snapshot, replace: true, cancellationToken);

    private async Task<IReadOnlyList<PeerPushResult>> PushAsync(IReadOnlyList<PeerTarget> targets, SnapshotResult snapshot, bool replace, CancellationToken cancellationToken)
    {
        var results = new PeerPushResult[targets.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, results.Length),
            new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism, CancellationToken = cancellationToken },
            async (i, token) => results[i] = await PushOneAsync(targets[i], snapshot, replace, token));
        Record(results);
        return results;
    }

    private async Task<PeerPushResult> PushOneAsync(PeerTarget target, SnapshotResult snapshot, bool replace, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        using var timeout = new CancellationTokenSource(options.Timeout, time);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var error = "";
        var attempt = 0;
        while (attempt < options.Attempts)
        {
            attempt++;
            try
            {
                await using var session = await PeerSession.ConnectAsync(target, options, logger, deadline.Token);
                var skipped = await CopyAsync(session.Sftp, target, snapshot, replace, deadline.Token);
                var seconds = time.GetElapsedTime(started).TotalSeconds;
                if (skipped)
                {
                    PeersLog.AlreadyThere(logger, target.Host, target.Port, snapshot.Path);
                }
                else
                {
                    PeersLog.Copied(logger, snapshot.Path, target.Host, target.Port, target.Directory, snapshot.Manifest.SizeBytes, seconds);
                }

                return new PeerPushResult(target.Host, target.Port, true, skipped, null, attempt, time.GetElapsedTime(started));
            }
            catch (Exception e) when (PeerErrors.IsFinal(e))
            {
                error = PeerErrors.Describe(e, target.Directory);
                break;
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                var reason = PeerErrors.Describe(e, target.Directory);
                error = timeout.IsCancellationRequested ? $"gave up after Peers.TimeoutSeconds ({options.Timeout.TotalSeconds:F0} s): {reason}" : reason;
                PeersLog.AttemptFailed(logger, snapshot.Path, target.Host, target.Port, attempt, options.Attempts, error);
                if (timeout.IsCancellationRequested || attempt == options.Attempts)
                {
                    break;
                }

                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(Math.Pow(2, attempt - 1)), time, deadline.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    error = $"gave up after Peers.TimeoutSeconds ({options.Timeout.TotalSeconds:F0} s): {error}";
                    break;
                }
            }
        }

        PeersLog.Failed(logger, snapshot.Path, target.Host, target.Port, error);
        return new PeerPushResult(target.Host, target.Port, false, false, error, attempt, time.GetElapsedTime(started));
    }

    private void Record(IReadOnlyList<PeerPushResult> results)
    {
        try
        {
            Ledger?.Record(results, time.GetUtcNow());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            StateLog.CopyLedgerFailed(logger, CopyLedger.FileName, e.Message);
        }
    }
}
