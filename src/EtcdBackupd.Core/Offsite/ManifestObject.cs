using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using EtcdBackupd.Snapshots;

namespace EtcdBackupd.Offsite;

/// <summary>The manifest beside an off-site object: <c>PREFIX + name without .db + .json</c>.</summary>
internal static class ManifestObject
{
    /// <summary>A manifest is a few KiB; a larger object under a manifest's name is not read into memory.</summary>
    public const long MaxBytes = 1 << 20;

    public static string KeyOf(OffsiteTarget target, string snapshotName) => target.Key(Path.GetFileNameWithoutExtension(snapshotName) + ".json");

    /// <summary>Puts <paramref name="manifest"/> under <paramref name="key"/>, replacing what is there.</summary>
    public static Task PutAsync(IAmazonS3 client, string bucket, string key, SnapshotManifest manifest, CancellationToken cancellationToken) =>
        client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = bucket,
            Key = key,
            InputStream = new MemoryStream(manifest.ToJson()),
            ContentType = "application/json",
        }, cancellationToken);

    /// <summary>The manifest under <paramref name="key"/>; null when there is none, it is not a manifest, or it is larger than <see cref="MaxBytes"/>.</summary>
    public static async Task<SnapshotManifest?> TryReadAsync(IAmazonS3 client, string bucket, string key, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await client.GetObjectAsync(bucket, key, cancellationToken);
            if (response.ContentLength > MaxBytes)
            {
                return null;
            }

            using var json = new MemoryStream();
            await response.ResponseStream.CopyToAsync(json, cancellationToken);
            return SnapshotManifest.FromJson(json.ToArray());
        }
        catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchKey")
        {
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
