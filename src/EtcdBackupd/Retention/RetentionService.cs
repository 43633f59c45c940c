using EtcdBackupd.Configuration;
using EtcdBackupd.FileSystem;

namespace EtcdBackupd.Retention;

/// <summary>Applies the retention policy to the snapshot directory: after every snapshot and once a day.</summary>
internal sealed class RetentionService(
    SnapshotDirectory directory, SnapshotVerifier verifier, Live<RetentionOptions> retention, TimeProvider time, ILogger<RetentionService> logger,
    Restore.RestoreActivity? activity = null, Lineage.ClusterLineage? lineage = null)
{
    /// <summary>Read at each run: a reload replaces it.</summary>
    private RetentionOptions options => retention.Current;

    private readonly Lock _lock = new();

    /// <summary>Why retention does not run now (a restore under way here), or null.</summary>
    public string? PausedBy => activity?.UnderWay;

    /// <summary>Deletes what the policy allows (or only reports it when <paramref name="dryRun"/>).</summary>
    public IReadOnlyList<RetentionPolicy.Deletion> Prune(bool dryRun, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (PausedBy is { } restore)
            {
                // The snapshot being restored must survive however old it is; the next run catches up.
                RetentionLog.Paused(logger, restore);
                return [];
            }

            var now = time.GetUtcNow();
            var deletions = Decide(now, cancellationToken);
            var done = new List<RetentionPolicy.Deletion>();
            foreach (var deletion in deletions)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var outcome = dryRun ? Outcome.Deleted : Remove(deletion.Snapshot.Path, deletion.Snapshot.ManifestPath);
                if (outcome == Outcome.Paused)
                {
                    return done;
                }

                if (outcome == Outcome.Deleted)
                {
                    RetentionLog.Deleted(logger, deletion.Snapshot.Path, deletion.Reason, dryRun);
                    done.Add(deletion);
                }
            }

            var cutoff = RetentionPolicy.Cutoff(now, options);
            var leftovers = directory.OrphanManifests().Where(m => m.CreatedAt < cutoff && !IsPinned(m.Path)).Select(m => (m.Path, Reason: "a manifest older than the window whose snapshot is gone"))
                .Concat(directory.StalePartials(now).Select(p => (Path: p, Reason: PartialFiles.StaleReason))).ToList();
            foreach (var (path, reason) in leftovers)
            {
                var outcome = dryRun ? Outcome.Deleted : Remove(path, manifestPath: null);
                if (outcome == Outcome.Paused)
                {
                    break;
                }

                if (outcome == Outcome.Deleted)
                {
                    RetentionLog.Deleted(logger, path, reason, dryRun);
                }
            }

            return done;
        }
    }

    /// <summary>Whether the next run would delete <paramref name="path"/>: an imported snapshot older than the window, say.</summary>
    public bool WouldRemove(string path, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Decide(time.GetUtcNow(), cancellationToken).Any(d => d.Snapshot.Path == path);
        }
    }

    private IReadOnlyList<RetentionPolicy.Deletion> Decide(DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Another cluster's snapshots, or imports named by a file's time, must not stand in for this cluster's newest
        // good ones: counted, they would let this cluster's last good snapshots go while its own backups failed.
        var clusters = (lineage?.Known() ?? []).ToHashSet(StringComparer.Ordinal);
        // The verdict and the pin both need a snapshot's manifest: read once per decision, as for a peer's copies.
        var read = new Dictionary<string, SnapshotManifest?>(StringComparer.Ordinal);
        SnapshotManifest? Of(SnapshotEntry s) => read.TryGetValue(s.ManifestPath, out var known) ? known : read[s.ManifestPath] = ManifestFile.TryRead(s.ManifestPath);
        return RetentionPolicy.Decide(directory.List(), now, options,
            s => Lineage.SnapshotEvidence.BacksUp(Of(s), clusters) && verifier.IsGood(s, cancellationToken),
            s => Of(s)?.Pin is not null);
    }

    /// <summary>
    /// Whether the manifest at <paramref name="manifestPath"/> holds a pin. A pinned manifest whose snapshot is gone (moved
    /// away to look at, say) is kept too: put back, the snapshot is pinned again, and the peers' retention still sees the pin.
    /// </summary>
    private static bool IsPinned(string manifestPath) => ManifestFile.TryRead(manifestPath)?.Pin is not null;

    /// <summary>
    /// Runs <paramref name="change"/> while no prune runs here: a pin written between a prune's reading of the
    /// manifests and its deletions would not save the snapshot.
    /// </summary>
    public T WhileNotPruning<T>(Func<T> change)
    {
        lock (_lock)
        {
            return change();
        }
    }

    private enum Outcome
    {
        Deleted,
        Failed,
        Paused,
    }

    /// <summary>
    /// Deletes <paramref name="path"/>, then its manifest, unless a restore has begun (the prune stops: the
    /// next run catches up). A manifest goes only with its snapshot: a snapshot that could not be deleted
    /// (an immutable file, say) keeps it, so it can still be pinned and restored by name.
    /// </summary>
    private Outcome Remove(string path, string? manifestPath)
    {
        var deleted = false;
        void Run()
        {
            // Under the directory's lock, as a fetch's or an import's placement: one of this name between the two deletes
            // would find the name free, and its new manifest would be the one deleted.
            DirectoryLock placing;
            try
            {
                placing = DirectoryLock.Hold(directory.Path);
            }
            catch (IOException e)
            {
                RetentionLog.DeleteFailed(logger, path, e.Message);
                return;
            }

            using (placing)
            {
                deleted = TryDelete(path);
                if (deleted && manifestPath is not null)
                {
                    TryDelete(manifestPath);
                }
            }
        }

        if (activity is null)
        {
            Run();
        }
        else if (activity.UnlessRestoring(Run) is { } restore)
        {
            RetentionLog.Paused(logger, restore);
            return Outcome.Paused;
        }

        return deleted ? Outcome.Deleted : Outcome.Failed;
    }

    private bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            RetentionLog.DeleteFailed(logger, path, e.Message);
            return false;
        }
    }
}
