using Amazon.S3;

namespace EtcdBackupd.Offsite;

/// <summary>
/// Re-reads one off-site object and checks it against the manifest beside it: the object's size and the
/// SHA-256 of its stored bytes. What <c>verify --offsite</c> runs.
/// </summary>
internal static class OffsiteVerifier
{
    /// <summary>Null when the object under the snapshot <paramref name="name"/> is the one its manifest describes; else why not.</summary>
    public static async Task<string?> ProblemAsync(OffsiteTarget target, string name, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var client = BucketClient.Create(target, timeout);
        var manifestKey = ManifestObject.KeyOf(target, name);
        var manifest = await ManifestObject.TryReadAsync(client, target.Bucket, manifestKey, cancellationToken);
        if (manifest?.Offsite is not { } stored)
        {
            return $"{manifestKey} in {target.Name} is missing or not an off-site manifest";
        }

        try
        {
            return await ObjectCheck.ProblemAsync(client, target.Bucket, stored.Key, stored.SizeBytes, stored.Sha256, cancellationToken);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchKey")
        {
            return $"the object {stored.Key} is missing from {target.Name}";
        }
    }
}
