using Amazon.S3;
using Amazon.S3.Model;
using EtcdBackupd.Configuration;
using EtcdBackupd.Offsite;

namespace EtcdBackupd.Retention;

/// <summary>
/// The retention rule applied to each off-site target after an upload, when <c>Offsite.Retention</c> is
/// <c>daemon</c>: age by the time in the name, <c>Offsite.RetentionDays</c> (else <c>Snapshots.RetentionDays</c>),
/// never fewer than <c>Snapshots.MinimumKept</c> verified copies, pinned ones kept. Only objects directly under
/// the target's <c>Prefix</c> whose names are ours (a snapshot's name, then <c>.zst</c>/<c>.age</c>) are
/// considered; an operator's other objects there, and every other prefix, are never touched. With
/// <c>bucket</c> it does nothing: no delete request is ever sent, so the keys need no delete permission.
/// </summary>
internal sealed class BucketRetention(
    Live<OffsiteOptions> liveOffsite, Live<RetentionOptions> retention, SnapshotDirectory local, TimeProvider time, ILogger<BucketRetention> logger)
{
    private OffsiteOptions offsite => liveOffsite.Current;

    /// <summary>The suffixes the codec may have added, whatever it adds today: a copy written under an earlier setting still ages out.</summary>
    private static readonly string[] Suffixes = [".db.zst.age", ".db.zst", ".db.age", ".db"];

    public async Task PruneAsync(CancellationToken cancellationToken)
    {
        if (offsite.Retention == OffsiteRetention.Bucket)
        {
            return;
        }

        var rule = new RetentionOptions
        {
            RetentionDays = offsite.RetentionDays ?? retention.Current.RetentionDays, MinimumKept = retention.Current.MinimumKept,
        };
        foreach (var target in offsite.Targets)
        {
            try
            {
                using var client = BucketClient.Create(target, offsite.Timeout);
                await PruneAsync(client, target, rule, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                RetentionLog.OffsiteFailed(logger, target.Name, OffsiteErrors.Describe(e, target));
            }
        }
    }

    private async Task PruneAsync(AmazonS3Client client, OffsiteTarget target, RetentionOptions rule, CancellationToken cancellationToken)
    {
        var copies = (await OursAsync(client, target, cancellationToken)).OrderByDescending(e => e.CreatedAt).ThenByDescending(e => e.Revision).ToList();
        var manifests = new Dictionary<string, SnapshotManifest?>();
        async Task<SnapshotManifest?> ManifestOf(SnapshotEntry copy) => manifests.TryGetValue(copy.Path, out var known) ? known
            : manifests[copy.Path] = await ManifestObject.TryReadAsync(client, target.Bucket, ManifestKey(target, copy), cancellationToken);

        // The rule asks synchronously; each manifest it may ask about is read first, newest first, once.
        foreach (var copy in copies)
        {
            await ManifestOf(copy);
        }

        var deletions = RetentionPolicy.Decide(copies, time.GetUtcNow(), rule,
            copy => IsGood(copy, manifests[copy.Path]), copy => IsPinned(SnapshotName(target, copy), manifests[copy.Path]));
        foreach (var deletion in deletions)
        {
            await client.DeleteObjectAsync(target.Bucket, deletion.Snapshot.Path, cancellationToken);
            await client.DeleteObjectAsync(target.Bucket, ManifestKey(target, deletion.Snapshot), cancellationToken);
            RetentionLog.OffsiteDeleted(logger, target.Name, deletion.Snapshot.Path, deletion.Reason);
        }
    }

    /// <summary>Our copies directly under the prefix: the key as <see cref="SnapshotEntry.Path"/>, the stored size as its size.</summary>
    private static async Task<List<SnapshotEntry>> OursAsync(AmazonS3Client client, OffsiteTarget target, CancellationToken cancellationToken)
    {
        var ours = new List<SnapshotEntry>();
        var request = new ListObjectsV2Request { BucketName = target.Bucket, Prefix = target.Prefix, Delimiter = "/" };
        ListObjectsV2Response page;
        do
        {
            page = await client.ListObjectsV2Async(request, cancellationToken);
            foreach (var item in page.S3Objects ?? [])
            {
                var name = item.Key[target.Prefix.Length..];
                if (Suffixes.FirstOrDefault(s => name.EndsWith(s, StringComparison.Ordinal)) is { } suffix
                    && SnapshotFileName.TryParse(name[..^suffix.Length] + ".db", out var created, out var member, out var revision))
                {
                    ours.Add(new SnapshotEntry(item.Key, created, member, revision, item.Size ?? 0));
                }
            }

            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true);

        return ours;
    }

    /// <summary>The snapshot's own name: the key without the prefix and the codec's suffixes.</summary>
    private static string SnapshotName(OffsiteTarget target, SnapshotEntry copy)
    {
        var name = copy.Path[target.Prefix.Length..];
        return name[..(name.LastIndexOf(".db", StringComparison.Ordinal) + 3)];
    }

    private static string ManifestKey(OffsiteTarget target, SnapshotEntry copy) => ManifestObject.KeyOf(target, SnapshotName(target, copy));

    /// <summary>Verified as the uploader left it: its manifest names this object, and the object has the size recorded there.</summary>
    private static bool IsGood(SnapshotEntry copy, SnapshotManifest? manifest) =>
        manifest?.Offsite is { } stored && stored.Key == copy.Path && stored.SizeBytes == copy.SizeBytes;

    /// <summary>The pin in the object's manifest, or in this master's manifest of the same snapshot: either keeps it.</summary>
    private bool IsPinned(string snapshotName, SnapshotManifest? manifest) =>
        manifest?.Pin is not null || ManifestFile.TryRead(Path.Combine(local.Path, SnapshotFileName.ManifestOf(snapshotName)))?.Pin is not null;
}
