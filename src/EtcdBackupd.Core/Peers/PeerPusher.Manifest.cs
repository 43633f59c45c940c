using EtcdBackupd.Snapshots;
using EtcdBackupd.State;

namespace EtcdBackupd.Peers;

/// <summary>A manifest sent again after it changed (a pin): to the peers that hold its snapshot, over the same kind of session as a copy.</summary>
internal sealed partial class PeerPusher
{
    /// <summary>
    /// The manifest beside <paramref name="snapshotPath"/> to every target that holds a copy of the snapshot, each
    /// within <c>Peers.TimeoutSeconds</c> and tried once. A target without the snapshot gets nothing and is reported
    /// as skipped. A target that fails is owed the manifest in the copy ledger (its last copy's record is left as it
    /// is: this is no copy), and the daemon sends the manifest of that moment once the peer answers again.
    /// </summary>
    public async Task<IReadOnlyList<PeerPushResult>> SendManifestAsync(string snapshotPath, CancellationToken cancellationToken)
    {
        var targets = options.Targets;
        var results = new PeerPushResult[targets.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, results.Length),
            new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism, CancellationToken = cancellationToken },
            async (i, token) => results[i] = await SendManifestAsync(targets[i], snapshotPath, token));
        Owe(targets, results, snapshotPath, OwedKind.Manifest);
        return results;
    }

    private async Task<PeerPushResult> SendManifestAsync(PeerTarget target, string snapshotPath, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var localManifest = SnapshotFileName.ManifestOf(snapshotPath);
        using var timeout = new CancellationTokenSource(options.Timeout, time);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await using var session = await PeerSession.ConnectAsync(target, options, logger, deadline.Token);
            var remote = $"{target.Directory.TrimEnd('/')}/{Path.GetFileName(snapshotPath)}";
            if (!await session.Sftp.ExistsAsync(remote, deadline.Token))
            {
                return Result(target, true, true, null, 1, started);
            }

            await UploadAsync(session.Sftp, target, localManifest, SnapshotFileName.ManifestOf(remote), null, deadline.Token);
            PeersLog.ManifestSent(logger, localManifest, target.Host, target.Port);
            return Result(target, true, false, null, 1, started);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            var reason = PeerErrors.Describe(e, target.Directory);
            var error = timeout.IsCancellationRequested ? $"gave up after Peers.TimeoutSeconds ({options.Timeout.TotalSeconds:F0} s): {reason}" : reason;
            PeersLog.ManifestFailed(logger, localManifest, target.Host, target.Port, error);
            return Result(target, false, false, error, 1, started);
        }
    }
}
