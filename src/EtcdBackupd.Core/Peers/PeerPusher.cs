using EtcdBackupd.Configuration;
using EtcdBackupd.Retries;
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

    /// <summary>To <paramref name="targets"/> only (a cluster restore's members); an identical copy is skipped.</summary>
    public Task<IReadOnlyList<PeerPushResult>> PushAsync(SnapshotResult snapshot, IReadOnlyList<PeerTarget> targets, CancellationToken cancellationToken) =>
        PushAsync(targets, snapshot, replace: false, cancellationToken);

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
        Record(results, snapshot.Path);
        return results;
    }

    private async Task<PeerPushResult> PushOneAsync(PeerTarget target, SnapshotResult snapshot, bool replace, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var result = await Retrying.RunAsync(new RetryBudget(options.Attempts, options.Timeout, "Peers.TimeoutSeconds"), time,
            new RetryErrors(e => PeerErrors.Describe(e, target.Directory), PeerErrors.IsFinal),
            async token =>
            {
                await using var session = await PeerSession.ConnectAsync(target, options, logger, token);
                return await CopyAsync(session.Sftp, target, snapshot, replace, token);
            },
            (attempt, error) => PeersLog.AttemptFailed(logger, snapshot.Path, target.Host, target.Port, target.Directory, attempt, options.Attempts, error),
            cancellationToken);
        if (!result.Ok)
        {
            PeersLog.Failed(logger, snapshot.Path, target.Host, target.Port, target.Directory, result.Error!);
            return Result(target, false, false, result.Error, result.Attempts, started);
        }

        if (result.Value)
        {
            PeersLog.AlreadyThere(logger, target.Host, target.Port, snapshot.Path);
        }
        else
        {
            var seconds = time.GetElapsedTime(started).TotalSeconds;
            PeersLog.Copied(logger, snapshot.Path, target.Host, target.Port, target.Directory, snapshot.Manifest.SizeBytes, seconds);
        }

        return Result(target, true, result.Value, null, result.Attempts, started);
    }

    /// <summary>What became of <paramref name="target"/>, under the name the ledger, the verdict and the metrics give it among this configuration's targets.</summary>
    private PeerPushResult Result(PeerTarget target, bool ok, bool skipped, string? error, int attempts, long started) =>
        new(target.Host, target.Port, ok, skipped, error, attempts, time.GetElapsedTime(started))
        {
            Peer = CopyLedger.PeerKey(target, options.Targets), Directory = target.Directory,
        };

    private void Record(IReadOnlyList<PeerPushResult> results, string snapshotPath)
    {
        try
        {
            Ledger?.Record(results, Path.GetFileName(snapshotPath), time.GetUtcNow());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            StateLog.CopyLedgerFailed(logger, CopyLedger.FileName, e.Message);
        }
    }
}
