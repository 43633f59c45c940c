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
        var manifestSent = false;
        try
        {
            if (await ObjectCheck.ProblemAsync(client, target.Bucket, key, stored.SizeBytes, stored.Sha256, cancellationToken) is { } problem)
            {
                // An object that is not what was sent must not pass for a copy.
                throw new OffsiteException($"{problem}: the store does not keep what it is sent; the object is deleted");
            }

            // The pin as it is now too: one made while the object went up must reach the bucket, whose manifest is
            // what keeps a pinned copy once the masters that held the pin are gone. (An unpin meanwhile keeps the
            // pin there, the side that loses nothing; the next pin or unpin brings the bucket in line.)
            var pin = ManifestFile.TryRead(SnapshotFileName.ManifestOf(snapshot.Path))?.Pin ?? snapshot.Manifest.Pin;
            manifestSent = true;
            await ManifestObject.PutAsync(client, target.Bucket, manifestKey, snapshot.Manifest with { Offsite = stored, Pin = pin }, cancellationToken);
            return false;
        }
        catch
        {
            // The read-back failed, timed out or was cancelled, or the manifest did not go: a complete object no
            // manifest names would stay for ever (retention touches only what a manifest names). A manifest put
            // whose answer was lost may have landed: it goes first, so no manifest is left naming a missing
            // object. The next attempt, or snapshot, sends both again.
            if (manifestSent)
            {
                await DeleteQuietlyAsync(client, target, manifestKey);
            }

            await DeleteQuietlyAsync(client, target, key);
            throw;
        }
    }

    /// <summary>Whether an object is under <paramref name="key"/>; true when the store does not say it is not (then a delete is tried).</summary>
    private async Task<bool> IsThereAsync(AmazonS3Client client, OffsiteTarget target, string key)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10), time);
        try
        {
            await client.GetObjectMetadataAsync(target.Bucket, key, deadline.Token);
            return true;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return false;
        }
        catch (Exception e) when (e is Amazon.Runtime.AmazonServiceException or HttpRequestException or IOException or OperationCanceledException)
        {
            return true;
        }
    }

    private async Task DeleteQuietlyAsync(AmazonS3Client client, OffsiteTarget target, string key)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10), time);
        try
        {
            await client.DeleteObjectAsync(target.Bucket, key, deadline.Token);
        }
        catch (Exception e) when (e is Amazon.Runtime.AmazonServiceException or HttpRequestException or IOException or OperationCanceledException)
        {
            // Under Offsite.Retention=bucket the keys may not delete: the object stays, and says so.
            OffsiteLog.LeftBehind(logger, target.Name, key, OffsiteErrors.Describe(e, target));
        }
    }

    private async Task<OffsiteObject> StreamAsync(AmazonS3Client client, OffsiteTarget target, SnapshotResult snapshot, string key, CancellationToken cancellationToken)
    {
        var sink = await MultipartSink.StartAsync(client, target.Bucket, key, cancellationToken);
        Codec.EncodingStream? encoded = null;
        try
        {
            encoded = Encode(sink);
            using var plain = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
            long read = 0;
            await using (var file = new FileStream(snapshot.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.SequentialScan))
            {
                var buffer = new byte[256 * 1024];
                // The AWS SDK's garbage would otherwise grow the RSS with the snapshot's size (1 GiB: peak 55 MiB, 44 MiB paced).
                var pacer = Memory.GarbagePacer.ForRequestStreams();
                int n;
                while ((n = await file.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    plain.AppendData(buffer, 0, n);
                    await encoded.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
                    read += n;
                    pacer.Moved(read);
                    OnUploaded?.Invoke(target, read);
                }
            }

            // The read-back after the upload proves the store kept what was sent; this proves what was sent is the
            // snapshot its manifest describes (a file changed or damaged since it was verified is not a copy).
            var sent = Convert.ToHexStringLower(plain.GetHashAndReset());
            if (read != snapshot.Manifest.SizeBytes || !string.Equals(sent, snapshot.Manifest.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new OffsiteException($"{snapshot.Path} read {read} bytes with SHA-256 {sent[..12]}..., not the {snapshot.Manifest.SizeBytes} bytes "
                    + $"with SHA-256 {snapshot.Manifest.Sha256[..Math.Min(12, snapshot.Manifest.Sha256.Length)]}... its manifest records: it changed or is damaged; nothing was uploaded");
            }

            await encoded.DisposeAsync();
            var (length, sha256) = await sink.CompleteAsync();
            return new OffsiteObject(key, options.Compression, options.Codec.RecipientKeys, length, sha256);
        }
        catch
        {
            // Failed or cancelled: the codec's memory and threads go now, and no partial object may be
            // left, nor parts billed in the bucket.
            if (encoded is not null)
            {
                await encoded.AbandonAsync();
            }

            // The last request was sent: the store may have completed the upload while its answer was lost, leaving a whole
            // object no read-back checked and no manifest names, which retention would never touch. An abort refused
            // (NoSuchUpload) says so; one taken does not prove otherwise on every store, so the key is looked at then.
            var aborted = await AbortQuietlyAsync(sink, target);
            if (sink.Completing && (!aborted || await IsThereAsync(client, target, key)))
            {
                await DeleteQuietlyAsync(client, target, key);
            }

            throw;
        }
        finally
        {
            await sink.DisposeAsync();
        }
    }

    /// <summary>True when the store took the abort: no parts, and no object, are left of the upload.</summary>
    private async Task<bool> AbortQuietlyAsync(MultipartSink sink, OffsiteTarget target)
    {
        try
        {
            await sink.AbortAsync();
            return true;
        }
        catch (AmazonS3Exception e) when (sink.Completing && e.ErrorCode == "NoSuchUpload")
        {
            // The store completed it: no parts are left, the object is deleted next.
            return false;
        }
        catch (Exception e) when (e is Amazon.Runtime.AmazonServiceException or HttpRequestException or IOException or OperationCanceledException)
        {
            OffsiteLog.AbortFailed(logger, target.Name, sink.UploadId, OffsiteErrors.Describe(e, target));
            return false;
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
