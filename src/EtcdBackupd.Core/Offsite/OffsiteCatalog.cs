using Amazon.S3;
using Amazon.S3.Model;
using EtcdBackupd.Lineage;
using EtcdBackupd.Offsite.Codec;
using EtcdBackupd.Protocol.Results;
using EtcdBackupd.Snapshots;

namespace EtcdBackupd.Offsite;

/// <summary>An entry of a target's catalog, with the manifest it was read from (null for an object none names).</summary>
internal sealed record CatalogEntry(OffsiteListEntry Entry, SnapshotManifest? Manifest);

/// <summary>
/// What lies directly under a target's prefix, from one listing and the manifests beside the objects; no
/// object is read. Keys under a deeper prefix (<c>PREFIX/other/…</c>) are not looked at: they are never ours.
/// A manifest counts as this cluster's only when its cluster ID is in <c>lineage</c>, unless the lineage is
/// empty (nothing known of this cluster): then the prefix alone decides.
/// </summary>
internal static class OffsiteCatalog
{
    /// <summary>Newest first; objects no manifest names, and manifests that do not read, after them.</summary>
    public static async Task<List<CatalogEntry>> ListAsync(IAmazonS3 client, OffsiteTarget target, IReadOnlyList<string> lineage, CancellationToken cancellationToken) =>
        (await ListWithNewestWriteAsync(client, target, lineage, cancellationToken)).Entries;

    /// <summary><see cref="ListAsync"/>, and the newest last-write time the store gave any key under the prefix (its own clock), null when there is none.</summary>
    public static async Task<(List<CatalogEntry> Entries, DateTimeOffset? NewestWrite)> ListWithNewestWriteAsync(
        IAmazonS3 client, OffsiteTarget target, IReadOnlyList<string> lineage, CancellationToken cancellationToken)
    {
        var (objects, newestWrite) = await ObjectsAsync(client, target, cancellationToken);
        var entries = new List<CatalogEntry>();
        var named = new HashSet<string>(StringComparer.Ordinal);
        var (read, refused) = (0, (AmazonS3Exception?)null);
        foreach (var (key, size) in objects.Where(o => o.Key.EndsWith(SnapshotFileName.ManifestExtension, StringComparison.Ordinal)))
        {
            SnapshotManifest? manifest = null;
            try
            {
                manifest = size <= ManifestObject.MaxBytes ? await ManifestObject.TryReadAsync(client, target.Bucket, key, cancellationToken) : null;
                read++;
            }
            catch (AmazonS3Exception e) when ((int)e.StatusCode is >= 400 and < 500)
            {
                // One object the keys may not read (another tool's encryption key, an archive tier): that manifest is
                // unreadable, as a malformed one is, and the rest of the target is still listed, pruned and fetched from.
                refused ??= e;
            }

            if (manifest?.Offsite is not { } stored || !Names(target, key, manifest))
            {
                entries.Add(new(new OffsiteListEntry(key, OffsiteEntryState.UnreadableManifest), null));
                continue;
            }

            named.Add(stored.Key);
            var state = !IsOurs(manifest, lineage) ? OffsiteEntryState.OtherCluster
                : !objects.TryGetValue(stored.Key, out var listed) ? OffsiteEntryState.ObjectMissing
                : listed != stored.SizeBytes ? OffsiteEntryState.SizeDiffers
                : OffsiteEntryState.Ok;
            entries.Add(new(new OffsiteListEntry(stored.Key, state)
            {
                File = manifest.FileName, StoredBytes = objects.TryGetValue(stored.Key, out var bytes) ? bytes : null, SizeBytes = manifest.SizeBytes,
                Sha256 = manifest.Sha256, Revision = manifest.Revision, CreatedAt = manifest.CreatedAt, Member = manifest.MemberName,
                ClusterId = manifest.ClusterId, Compression = stored.Compression, Recipients = stored.Recipients, Pin = manifest.Pin,
            }, manifest));
        }

        if (refused is not null && read == 0)
        {
            // Not one manifest could be read: the keys or the bucket's policy, not one object; said as the store said it.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(refused);
        }

        entries.AddRange(objects.Where(o => !o.Key.EndsWith(SnapshotFileName.ManifestExtension, StringComparison.Ordinal) && !named.Contains(o.Key))
            .Select(o => new CatalogEntry(new OffsiteListEntry(o.Key, OffsiteEntryState.NoManifest) { StoredBytes = o.Value }, null)));
        return ([.. entries.OrderBy(e => e.Manifest is null).ThenByDescending(e => e.Entry.CreatedAt).ThenBy(e => e.Entry.Key, StringComparer.Ordinal)], newestWrite);
    }

    /// <summary>This cluster's, by the manifest's cluster ID; any, when nothing is known of this cluster.</summary>
    public static bool IsOurs(SnapshotManifest manifest, IReadOnlyList<string> lineage) =>
        lineage.Count == 0 || (ClusterIds.Normalize(manifest.ClusterId) is { } id && lineage.Contains(id));

    /// <summary>
    /// The manifest at <paramref name="manifestKey"/> is the one of the object it names: a snapshot name of
    /// ours, the object beside it under the same prefix with the codec's suffix. A manifest naming any
    /// other key (outside the prefix, say) is not followed.
    /// </summary>
    public static bool Names(OffsiteTarget target, string manifestKey, SnapshotManifest manifest)
    {
        var stored = manifest.Offsite!;
        if (!SnapshotFileName.TryParse(manifest.FileName, out _, out _, out _) || ManifestObject.KeyOf(target, manifest.FileName) != manifestKey)
        {
            return false;
        }

        var suffix = stored.Compression switch { "zstd" => OffsiteCodec.ZstdSuffix, "none" => "", _ => null };
        return suffix is not null && stored.Key == target.Key(manifest.FileName + suffix + (stored.Recipients.Count > 0 ? OffsiteCodec.AgeSuffix : ""));
    }

    /// <summary>Every key directly under the prefix and its size, page by page; the newest last write among them.</summary>
    private static async Task<(Dictionary<string, long> Objects, DateTimeOffset? NewestWrite)> ObjectsAsync(IAmazonS3 client, OffsiteTarget target, CancellationToken cancellationToken)
    {
        var objects = new Dictionary<string, long>(StringComparer.Ordinal);
        DateTimeOffset? newest = null;
        var request = new ListObjectsV2Request { BucketName = target.Bucket, Prefix = target.Prefix, Delimiter = "/" };
        ListObjectsV2Response page;
        do
        {
            page = await client.ListObjectsV2Async(request, cancellationToken);
            foreach (var o in page.S3Objects ?? [])
            {
                objects[o.Key] = o.Size ?? 0;
                if (BucketTimes.Utc(o.LastModified) is { } written && (newest is null || written > newest))
                {
                    newest = written;
                }
            }

            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true);

        return (objects, newest);
    }
}
