using EtcdBackupd.Configuration;

namespace EtcdBackupd.Retention;

/// <summary>Applies the retention policy to the snapshot directory: after every snapshot and once a day.</summary>
internal sealed class RetentionService(
    SnapshotDirectory directory, SnapshotVerifier verifier, Live<RetentionOptions> retention, TimeProvider time, ILogger<RetentionService> logger,
    Restore.RestoreActivity? activity = null)
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
            var deletions = RetentionPolicy.Decide(directory.List(), now, options, s => verifier.IsGood(s, cancellationToken),
                s => ManifestFile.TryRead(s.ManifestPath)?.Pin is not null);
            foreach (var deletion in deletions)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!dryRun)
                {
                    Delete(deletion.Snapshot.Path);
                    Delete(deletion.Snapshot.ManifestPath);
                }

                RetentionLog.Deleted(logger, deletion.Snapshot.Path, deletion.Reason, dryRun);
            }

            var cutoff = RetentionPolicy.Cutoff(now, options);
            foreach (var (manifest, createdAt) in directory.OrphanManifests().Where(m => m.CreatedAt < cutoff).ToList())
            {
                if (!dryRun)
                {
                    Delete(manifest);
                }

                RetentionLog.Deleted(logger, manifest, "a manifest older than the window whose snapshot is gone", dryRun);
            }

            foreach (var partial in directory.StalePartials(now).ToList())
            {
                if (!dryRun)
                {
                    Delete(partial);
                }

                RetentionLog.Deleted(logger, partial, PartialFiles.StaleReason, dryRun);
            }

            return deletions;
        }
    }

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

    private void Delete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            RetentionLog.DeleteFailed(logger, path, e.Message);
        }
    }
}
