using Amazon.S3;
using EtcdBackupd.Snapshots;

namespace EtcdBackupd.Offsite;

internal sealed partial class OffsiteUploader
{
    /// <summary>One attempt at one target; true when an equal copy was already there.</summary>
    private async Task<bool> SendAsync(OffsiteTarget target, SnapshotResult snapshot, string key, CancellationToken cancellationToken)
    {
        using var client = BucketClient.Create(target, options.Timeout);
        var manifestKey = ManifestObject.KeyOf(target, snapshot.Path);
        if (await AlreadyThereAsync(client, target, manifestKey, key, snapshot.Manifest, cancellationToken))
        {
            return true;
        }

        var stored = await StreamAsync(client, target, snapshot, key, cancellationToken);
        if (await ObjectCheck.ProblemAsync(client, target.Bucket, key, stored.SizeBytes, stored.Sha256, cancellationToken) is { } problem)
        {
            // An object that is not what was sent must not pass for a copy.
            await client.DeleteObjectAsync(target.Bucket, key, CancellationToken.None);
            throw new OffsiteException($"{problem}: the store does not keep what it is sent; the object was deleted");
        }

        await ManifestObject.PutAsync(client, target.Bucket, manifestKey, snapshot.Manifest with { Offsite = stored }, cancellationToken);
        return false;
    }

    private async Task<OffsiteObject> StreamAsync(AmazonS3Client client, OffsiteTarget target, SnapshotResult snapshot, string key, CancellationToken cancellationToken)
    {
        var sink = await MultipartSink.StartAsync(client, target.Bucket, key, cancellationToken);
        var encoded = Encode(sink);
        try
        {
            await using (var file = new FileStream(snapshot.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.SequentialScan))
            {
                var buffer = new byte[256 * 1024];
                // The AWS SDK's garbage would otherwise grow the RSS with the snapshot's size (1 GiB: peak 55 MiB, 44 MiB paced).
                var pacer = Memory.GarbagePacer.ForRequestStreams();
                long read = 0;
                int n;
                while ((n = await file.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    await encoded.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
                    read += n;
                    pacer.Moved(read);
                    OnUploaded?.Invoke(target, read);
                }
            }

            await encoded.DisposeAsync();
            var (length, sha256) = await sink.CompleteAsync();
            return new OffsiteObject(key, options.Compression, options.Codec.RecipientKeys, length, sha256);
        }
        catch
        {
            // Failed or cancelled: the codec's memory and threads go now, and no partial object may be
            // left, nor parts billed in the bucket.
            await encoded.AbandonAsync();
            await AbortQuietlyAsync(sink, target);
            throw;
        }
        finally
        {
            await sink.DisposeAsync();
        }
    }

    private async Task AbortQuietlyAsync(MultipartSink sink, OffsiteTarget target)
    {
        try
        {
            await sink.AbortAsync();
        }
        catch (Exception e) when (e is Amazon.Runtime.AmazonServiceException or HttpRequestException or IOException or OperationCanceledException)
        {
            OffsiteLog.AbortFailed(logger, target.Name, sink.UploadId, OffsiteErrors.Describe(e, target));
        }
    }

    /// <summary>The manifest there names this snapshot's SHA-256 and this key, and the object has its recorded size.</summary>
    private static async Task<bool> AlreadyThereAsync(
        AmazonS3Client client, OffsiteTarget target, string manifestKey, string key, SnapshotManifest local, CancellationToken cancellationToken)
    {
        var there = await ManifestObject.TryReadAsync(client, target.Bucket, manifestKey, cancellationToken);
        if (there?.Offsite is not { } stored || there.Sha256 != local.Sha256 || stored.Key != key)
        {
            return false;
        }

        try
        {
            var head = await client.GetObjectMetadataAsync(target.Bucket, key, cancellationToken);
            return head.ContentLength == stored.SizeBytes;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return false;
        }
    }
}
