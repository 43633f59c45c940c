using System.Security.Cryptography;
using Amazon.S3;

namespace EtcdBackupd.Offsite;

/// <summary>
/// An object's size and SHA-256, from its stored bytes: read back in full, because a store may return
/// no whole-object checksum (Ceph 18 returns none for multipart objects) and an ETag is no hash of them.
/// </summary>
internal static class ObjectCheck
{
    public static async Task<(long Length, string Sha256)> ReadBackAsync(IAmazonS3 client, string bucket, string key, CancellationToken cancellationToken)
    {
        using var response = await client.GetObjectAsync(bucket, key, cancellationToken);
        await using var body = response.ResponseStream;
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[128 * 1024];
        var pacer = Memory.GarbagePacer.ForRequestStreams();
        long length = 0;
        int n;
        while ((n = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            sha256.AppendData(buffer, 0, n);
            length += n;
            pacer.Moved(length);
        }

        return (length, Convert.ToHexStringLower(sha256.GetHashAndReset()));
    }

    /// <summary>Why the stored object is not the one described, or null when it is.</summary>
    public static async Task<string?> ProblemAsync(IAmazonS3 client, string bucket, string key, long length, string sha256, CancellationToken cancellationToken)
    {
        var stored = await ReadBackAsync(client, bucket, key, cancellationToken);
        if (stored.Length != length)
        {
            return $"the stored object {key} has {stored.Length} bytes, not {length}";
        }

        return stored.Sha256 != sha256 ? $"the stored object {key} has SHA-256 {stored.Sha256}, not {sha256}" : null;
    }
}
