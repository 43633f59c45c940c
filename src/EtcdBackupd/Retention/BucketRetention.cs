using Amazon.S3;
using EtcdBackupd.Configuration;
using EtcdBackupd.Lineage;
using EtcdBackupd.Offsite;

namespace EtcdBackupd.Retention;

/// <summary>
/// The retention rule applied to each off-site target after an upload, when <c>Offsite.Retention</c> is
/// <c>daemon</c>: age by the time in the name, <c>Offsite.RetentionDays</c> (else <c>Snapshots.RetentionDays</c>),
/// never fewer than <c>Snapshots.MinimumKept</c> verified copies, pinned ones kept. What is ours is what
/// <see cref="OffsiteCatalog"/> says, the same reading <c>list --offsite</c> and <c>fetch --from offsite</c> use:
/// an object directly under the target's <c>Prefix</c> that the manifest beside it names, with a cluster ID in
/// this cluster's lineage. Only what can be proved ours is ever deleted: another cluster's copies, a manifest
/// without a cluster ID, objects no manifest names (an operator's files), every other prefix, and everything
/// when this master knows no cluster ID, are left alone. With <c>bucket</c> it does nothing: no delete
/// request is ever sent, so the keys need no delete permission.
/// </summary>
internal sealed class BucketRetention(
    Live<OffsiteOptions> liveOffsite, Live<RetentionOptions> retention, SnapshotDirectory local, ClusterLineage lineage, TimeProvider time,
    ILogger<BucketRetention> logger)
{
    private OffsiteOptions offsite => liveOffsite.Current;

    /// <summary>For tests: runs between the decision and the deletions, where a pin can race a prune.</summary>
    internal Func<CancellationToken, Task>? AfterDecision { get; init; }

    public async Task PruneAsync(CancellationToken cancellationToken)
    {
        if (offsite.Retention == OffsiteRetention.Bucket)
        {
            return;
        }

        // The catalog takes every object on its prefix alone when no cluster ID is known: right for reading a
        // snapshot back on a master rebuilt from nothing, never for deleting one.
        var known = lineage.Known();
        var rule = new RetentionOptions
        {
            RetentionDays = offsite.RetentionDays ?? retention.Current.RetentionDays, MinimumKept = retention.Current.MinimumKept,
        };
        foreach (var target in offsite.Targets)
        {
            if (known.Count == 0)
            {
                RetentionLog.OffsiteFailed(logger, target.Name,
                    $"no cluster ID is recorded in {lineage.Path}, so no object can be proved this cluster's; nothing was deleted");
                continue;
            }

            try
            {
                using var client = BucketClient.Create(target, offsite.Timeout);
                await PruneAsync(client, target, known, rule, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                RetentionLog.OffsiteFailed(logger, target.Name, OffsiteErrors.Describe(e, target));
            }
        }
    }

    private async Task PruneAsync(AmazonS3Client client, OffsiteTarget target, IReadOnlyList<string> known, RetentionOptions rule, CancellationToken cancellationToken)
    {
        var (catalog, newestWrite) = await OffsiteCatalog.ListWithNewestWriteAsync(client, target, known, cancellationToken);
        var own = time.GetUtcNow();
        var judged = RetentionPolicy.JudgedNow(own, newestWrite, (at, newest) => RetentionLog.OffsiteClockAhead(logger, target.Name, at, newest, own));

        var others = catalog.Where(e => e.Entry.State == OffsiteEntryState.OtherCluster).ToList();
        if (others.Count > 0)
        {
            var ids = string.Join(", ", others.Select(e => ClusterIds.Normalize(e.Entry.ClusterId) ?? "(none)").Distinct());
            RetentionLog.OffsiteOtherCluster(logger, target.Name, target.Prefix, others.Count, ids, string.Join(", ", known));
        }

        var newestFirst = Ours(catalog);
        var copies = newestFirst.ToDictionary(c => c.Entry.Path, StringComparer.Ordinal);
        var deletions = RetentionPolicy.Decide([.. newestFirst.Select(c => c.Entry)], judged, rule,
            copy => copies[copy.Path].Verified, copy => IsPinned(copies[copy.Path].Manifest));
        if (AfterDecision is { } decided)
        {
            await decided(cancellationToken);
        }

        foreach (var deletion in deletions)
        {
            var manifestKey = ManifestObject.KeyOf(target, copies[deletion.Snapshot.Path].Manifest.FileName);
            // Read again: a pin made since the listing (here, or on another master, which writes it to the bucket) must
            // still save the copy. What remains is the moment between this read and the delete.
            if (PinnedHere(copies[deletion.Snapshot.Path].Manifest.FileName)
                || (await ManifestObject.TryReadAsync(client, target.Bucket, manifestKey, cancellationToken))?.Pin is not null)
            {
                continue;
            }

            await client.DeleteObjectAsync(target.Bucket, deletion.Snapshot.Path, cancellationToken);
            await client.DeleteObjectAsync(target.Bucket, manifestKey, cancellationToken);
            RetentionLog.OffsiteDeleted(logger, target.Name, deletion.Snapshot.Path, deletion.Reason);
        }

        await PruneOrphanedManifestsAsync(client, target, catalog, judged, rule, cancellationToken);
        await AbandonedUploads.SweepAsync(client, target, time.GetUtcNow(), AbandonedUploads.StaleAfter, logger, cancellationToken);
    }

    /// <summary>
    /// This cluster's manifests whose object is gone (deleted by hand, say): nothing can be restored from
    /// them, and left alone they would be listed as <c>object-missing</c> for ever. One goes once its snapshot
    /// is past the age limit, never sooner: the uploader puts a manifest only after its object is complete and
    /// checked, so a young one may belong to an upload another master is about to redo. A pinned one stays.
    /// </summary>
    private async Task PruneOrphanedManifestsAsync(
        AmazonS3Client client, OffsiteTarget target, List<CatalogEntry> catalog, DateTimeOffset now, RetentionOptions rule, CancellationToken cancellationToken)
    {
        var cutoff = RetentionPolicy.Cutoff(now, rule);
        foreach (var (entry, manifest) in catalog)
        {
            if (entry.State == OffsiteEntryState.ObjectMissing && manifest is not null && !IsPinned(manifest)
                && SnapshotFileName.TryParse(manifest.FileName, out var created, out _, out _) && created < cutoff)
            {
                var manifestKey = ManifestObject.KeyOf(target, manifest.FileName);
                await client.DeleteObjectAsync(target.Bucket, manifestKey, cancellationToken);
                RetentionLog.OffsiteManifestDeleted(logger, target.Name, manifestKey, entry.Key, rule.RetentionDays);
            }
        }
    }

    /// <summary>One of this cluster's copies: the key as its path, the listed size as its size; verified when that is the manifest's.</summary>
    private sealed record Copy(SnapshotEntry Entry, SnapshotManifest Manifest, bool Verified);

    /// <summary>
    /// This cluster's copies whose object is there, newest first by the time in the name (the catalog took only
    /// manifests whose file name is one of ours). A manifest whose object is gone names nothing to delete.
    /// </summary>
    private static List<Copy> Ours(List<CatalogEntry> catalog)
    {
        var copies = new List<Copy>();
        foreach (var (entry, manifest) in catalog)
        {
            if (manifest is not null && entry.State is OffsiteEntryState.Ok or OffsiteEntryState.SizeDiffers
                && SnapshotFileName.TryParse(manifest.FileName, out var created, out var member, out var revision))
            {
                copies.Add(new Copy(new SnapshotEntry(entry.Key, created, member, revision, entry.StoredBytes ?? 0), manifest, entry.State == OffsiteEntryState.Ok));
            }
        }

        return [.. copies.OrderByDescending(c => c.Entry.CreatedAt).ThenByDescending(c => c.Entry.Revision)];
    }

    /// <summary>The pin in the object's manifest, or in this master's manifest of the same snapshot: either keeps it.</summary>
    private bool IsPinned(SnapshotManifest manifest) => manifest.Pin is not null || PinnedHere(manifest.FileName);

    /// <summary>This master's manifest of <paramref name="fileName"/> holds a pin now.</summary>
    private bool PinnedHere(string fileName) => ManifestFile.TryRead(Path.Combine(local.Path, SnapshotFileName.ManifestOf(fileName)))?.Pin is not null;
}
