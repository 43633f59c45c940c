using Amazon.S3;
using EtcdBackupd.Protocol.Results;

namespace EtcdBackupd.Offsite;

/// <summary>
/// Re-reads one off-site object and checks it against the manifest beside it: the object's size and the
/// SHA-256 of its stored bytes, read in full (memory: one 128 KiB buffer). What <c>verify --offsite</c> runs.
/// </summary>
internal static class OffsiteVerifier
{
    /// <summary>Null when the object under the snapshot <paramref name="name"/> is the one its manifest describes; else why not.</summary>
    public static async Task<string?> ProblemAsync(OffsiteTarget target, string name, TimeSpan timeout, CancellationToken cancellationToken) =>
        (await CheckAsync(target, name, timeout, cancellationToken)).Problem;

    /// <summary>The verdict on the object of snapshot <paramref name="name"/> in <paramref name="target"/>; a target that cannot be read is a verdict too, never thrown.</summary>
    public static async Task<OffsiteCheck> CheckAsync(OffsiteTarget target, string name, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var manifestKey = ManifestObject.KeyOf(target, name);
        string? key = null;
        try
        {
            using var client = BucketClient.Create(target, timeout);
            var manifest = await ManifestObject.TryReadAsync(client, target.Bucket, manifestKey, cancellationToken);
            if (manifest?.Offsite is not { } stored || manifest.FileName != name)
            {
                return new OffsiteCheck(target.Name, null, OffsiteVerdict.Missing,
                    $"{manifestKey} in {target.Name} is missing or not the off-site manifest of {name}");
            }

            if (!OffsiteCatalog.Names(target, manifestKey, manifest))
            {
                // As list and fetch: a manifest naming a key outside its place (another prefix, another cluster's
                // object) is not followed, or verify would say "ok" of a copy fetch then refuses.
                return new OffsiteCheck(target.Name, null, OffsiteVerdict.Mismatch,
                    $"{manifestKey} in {target.Name} names the object {stored.Key}, not the one beside it; not followed");
            }

            key = stored.Key;
            var (length, sha256) = await ObjectCheck.ReadBackAsync(client, target.Bucket, key, cancellationToken);
            var problem = length != stored.SizeBytes ? $"the stored object {key} has {length} bytes, not the {stored.SizeBytes} its manifest records"
                : sha256 != stored.Sha256 ? $"the stored object {key} has SHA-256 {sha256}, not the {stored.Sha256} its manifest records (it was replaced or damaged)"
                : null;
            return new OffsiteCheck(target.Name, key, problem is null ? OffsiteVerdict.Ok : OffsiteVerdict.Mismatch, problem) { SizeBytes = length, Sha256 = sha256 };
        }
        catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchKey")
        {
            return new OffsiteCheck(target.Name, key, OffsiteVerdict.Missing, $"the object {key} is missing from {target.Name}, though its manifest {manifestKey} is there");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new OffsiteCheck(target.Name, key, OffsiteVerdict.Unreadable, OffsiteErrors.Describe(e, target));
        }
    }
}
