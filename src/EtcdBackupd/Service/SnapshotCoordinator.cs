using EtcdBackupd.Offsite;
using EtcdBackupd.Peers;
using EtcdBackupd.Retention;
using Microsoft.Extensions.Hosting;

namespace EtcdBackupd.Service;

/// <summary>Anything that can ask for a snapshot now: the schedule, the control channel.</summary>
internal interface ISnapshotTrigger
{
    Task<SnapshotOutcome> RunAsync(string reason, CancellationToken cancellationToken);
}

/// <summary>
/// One snapshot at a time: a request that arrives while one runs joins it and gets its outcome. The
/// snapshot itself runs until done or until the daemon stops, whoever asked for it. A caller who needs
/// the writes acknowledged before it asked waits out the run under way (<see cref="Running"/>) first.
/// </summary>
internal sealed class SnapshotCoordinator(
    SnapshotEngine engine, PeerPusher peers, OffsiteUploader offsite, RetentionService retention, RemoteRetention remoteRetention,
    SnapshotVerifier verifier, DaemonState state,
    TimeProvider time, IHostApplicationLifetime lifetime, ILogger<SnapshotCoordinator> logger, BucketRetention? bucketRetention = null) : ISnapshotTrigger
{
    private readonly Lock _lock = new();
    private Task<SnapshotOutcome>? _running;

    /// <summary>The run under way, if any.</summary>
    public Task<SnapshotOutcome>? Running
    {
        get
        {
            lock (_lock)
            {
                return _running is { IsCompleted: false } running ? running : null;
            }
        }
    }

    public Task<SnapshotOutcome> RunAsync(string reason, CancellationToken cancellationToken)
    {
        Task<SnapshotOutcome> task;
        lock (_lock)
        {
            if (_running is { IsCompleted: false })
            {
                ServiceLog.Joined(logger, reason);
                task = _running;
            }
            else
            {
                task = _running = Task.Run(() => RunOnceAsync(reason, lifetime.ApplicationStopping), CancellationToken.None);
            }
        }

        return task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="apply"/> once no snapshot runs, with none starting until it returns: a reload puts
    /// its options in force between snapshots, never under one. <paramref name="waiting"/> is told each time it waits.
    /// </summary>
    public async Task<T> BetweenSnapshotsAsync<T>(Func<T> apply, Action waiting, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task running;
            lock (_lock)
            {
                if (_running is not { IsCompleted: false } current)
                {
                    return apply();
                }

                running = current;
            }

            waiting();
            // Its outcome is the snapshot's callers' business; here only its end matters.
            await Task.WhenAny(running).WaitAsync(cancellationToken);
        }
    }

    private async Task<SnapshotOutcome> RunOnceAsync(string reason, CancellationToken stopping)
    {
        var startedAt = time.GetUtcNow();
        ServiceLog.SnapshotRequested(logger, reason);
        state.Started();
        SnapshotOutcome outcome;
        try
        {
            state.Receiving(0, 0);
            var result = await engine.TakeAsync(onProgress: state.Receiving, stopping);
            verifier.Remember(result.Path, good: true);
            // A failed copy is recorded with the snapshot; it never turns a good snapshot into a failure.
            var copies = await peers.PushAsync(result, stopping);
            // Off-site after the peers: the masters' copies are the quick way back, the bucket the last resort.
            // From here the progress stream counts the snapshot's bytes read into each target's upload.
            state.Receiving(0, result.Manifest.SizeBytes);
            var offsiteCopies = offsite.Enabled ? await offsite.UploadAsync(result, stopping) : [];
            outcome = new SnapshotOutcome(startedAt, time.GetUtcNow(), reason, result, null) { Peers = copies, Offsite = offsiteCopies };
        }
        catch (Exception e) when (stopping.IsCancellationRequested)
        {
            // Whatever the engine was doing when the stop came (connecting, streaming), it is the stop that ended it.
            var (received, total) = state.Progress;
            ServiceLog.AbortedByStop(logger, received, total, reason);
            outcome = new SnapshotOutcome(startedAt, time.GetUtcNow(), reason, null,
                new SnapshotException(SnapshotFailure.Cancelled, $"the daemon is stopping after {received} bytes were received", e));
        }
        catch (SnapshotException e)
        {
            ServiceLog.SnapshotFailed(logger, e.Failure.ToString(), e.Message, e);
            outcome = new SnapshotOutcome(startedAt, time.GetUtcNow(), reason, null, e);
        }

        state.Finished(outcome);
        if (!stopping.IsCancellationRequested)
        {
            try
            {
                retention.Prune(dryRun: false, stopping);
                await remoteRetention.PruneAsync(stopping);
                // Only the daemon that uploaded prunes the buckets, and only after its upload (Offsite.Retention: daemon).
                if (outcome.Offsite.Count > 0 && bucketRetention is not null)
                {
                    await bucketRetention.PruneAsync(stopping);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or OperationCanceledException)
            {
                ServiceLog.RetentionFailed(logger, e.Message);
            }
        }

        return outcome;
    }
}
