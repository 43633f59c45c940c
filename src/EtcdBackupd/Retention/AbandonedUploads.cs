using Amazon.S3;
using Amazon.S3.Model;
using EtcdBackupd.Offsite;
using EtcdBackupd.Offsite.Codec;

namespace EtcdBackupd.Retention;

/// <summary>
/// Multipart uploads of snapshot objects that no uploader will finish: a daemon killed (SIGKILL, the OOM
/// killer, a power cut) between starting an upload and completing or aborting it leaves its parts in the
/// bucket, billed and invisible to a listing of objects, for ever unless a lifecycle rule clears them.
/// One is aborted only when its key is a snapshot name directly under the target's prefix and it was
/// started longer ago than any upload may run (<see cref="StaleAfter"/>). It runs after the copies are
/// pruned, so not when this master knows no cluster ID or the pruning failed: the next run sweeps.
/// </summary>
internal static class AbandonedUploads
{
    /// <summary>
    /// Twice the longest <c>Offsite.TimeoutSeconds</c> any configuration allows (a day): no live upload is ever
    /// that old, whichever master (of whichever cluster sharing the prefix, wrongly) started it.
    /// </summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromDays(2);

    public static async Task SweepAsync(IAmazonS3 client, OffsiteTarget target, DateTimeOffset now, TimeSpan staleAfter, ILogger logger, CancellationToken cancellationToken)
    {
        List<(string Key, string UploadId, DateTimeOffset StartedAt)> abandoned;
        try
        {
            abandoned = await ListStaleAsync(client, target, now - staleAfter, cancellationToken);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.Forbidden)
        {
            // Listing uploads is a permission of its own (s3:ListBucketMultipartUploads): its lack is said, and retention's work stands.
            RetentionLog.OffsiteUploadsNotListed(logger, target.Name, OffsiteErrors.Describe(e, target));
            return;
        }

        foreach (var upload in abandoned)
        {
            try
            {
                await client.AbortMultipartUploadAsync(target.Bucket, upload.Key, upload.UploadId, cancellationToken);
                RetentionLog.OffsiteUploadAborted(logger, target.Name, upload.Key, upload.UploadId, upload.StartedAt);
            }
            catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchUpload")
            {
                // Another master's sweep was first.
            }
            catch (AmazonS3Exception e)
            {
                // One that will not go (no s3:AbortMultipartUpload, say) does not keep the others.
                Offsite.OffsiteLog.AbortFailed(logger, target.Name, upload.UploadId, OffsiteErrors.Describe(e, target));
            }
        }
    }

    private static async Task<List<(string Key, string UploadId, DateTimeOffset StartedAt)>> ListStaleAsync(IAmazonS3 client, OffsiteTarget target, DateTimeOffset startedBefore, CancellationToken cancellationToken)
    {
        var stale = new List<(string, string, DateTimeOffset)>();
        var request = new ListMultipartUploadsRequest { BucketName = target.Bucket, Prefix = target.Prefix, Delimiter = "/" };
        ListMultipartUploadsResponse page;
        do
        {
            page = await client.ListMultipartUploadsAsync(request, cancellationToken);
            // The store's clock starts an upload, this master's judges it: a day's margin covers any skew worth the name.
            foreach (var upload in page.MultipartUploads ?? [])
            {
                if (StartedAt(upload) is { } at && at < startedBefore && IsSnapshotKey(target, upload.Key))
                {
                    stale.Add((upload.Key, upload.UploadId, at));
                }
            }

            // A store that says "truncated" without moving its markers on would have this ask for the same page for ever.
            var moved = page.NextKeyMarker != request.KeyMarker || page.NextUploadIdMarker != request.UploadIdMarker;
            request.KeyMarker = page.NextKeyMarker;
            request.UploadIdMarker = page.NextUploadIdMarker;
            if (!moved)
            {
                break;
            }
        }
        while (page.IsTruncated == true);

        return stale;
    }

    /// <summary>When the store says the upload began; none when it does not say (such an upload is left alone).</summary>
    private static DateTimeOffset? StartedAt(MultipartUpload upload) => BucketTimes.Utc(upload.Initiated);

    /// <summary><c>Prefix</c>, then a snapshot's file name with the codec's suffixes (<c>.zst</c>, <c>.age</c>) at most: what an uploader starts.</summary>
    internal static bool IsSnapshotKey(OffsiteTarget target, string key)
    {
        if (!key.StartsWith(target.Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var name = key[target.Prefix.Length..];
        name = name.EndsWith(OffsiteCodec.AgeSuffix, StringComparison.Ordinal) ? name[..^OffsiteCodec.AgeSuffix.Length] : name;
        name = name.EndsWith(OffsiteCodec.ZstdSuffix, StringComparison.Ordinal) ? name[..^OffsiteCodec.ZstdSuffix.Length] : name;
        return !name.Contains('/') && Snapshots.SnapshotFileName.TryParse(name, out _, out _, out _);
    }
}
