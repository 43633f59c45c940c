using Amazon.S3;
using EtcdBackupd.Offsite;
using EtcdBackupd.Offsite.Age;
using EtcdBackupd.Offsite.Codec;

namespace EtcdBackupd.Fetch;

/// <summary>One object: read once, through age and zstd as its manifest says, into <see cref="SnapshotPlacement"/>.</summary>
internal sealed partial class OffsiteFetcher
{
    private async Task<OffsiteFetched> DownloadAsync(
        AmazonS3Client client, OffsiteTarget target, CatalogEntry entry, bool clusterChecked, Action<long, long>? progress, CancellationToken cancellationToken)
    {
        var manifest = entry.Manifest!;
        var stored = manifest.Offsite!;
        // Here the manifest is a local one again: what was stored where is the off-site copy's business.
        var manifestBytes = (manifest with { Offsite = null }).ToJson();
        var local = _placement.PathOf(manifest.FileName);
        if (FileSystem.FileKinds.IsThere(local))
        {
            _placement.AlreadyHere(local, manifest, manifestBytes, CopySource.Offsite, cancellationToken);
            return new OffsiteFetched(local, manifest, target, stored.Key, AlreadyHere: true, clusterChecked);
        }

        var identities = stored.Recipients.Count == 0 ? [] : Identities(stored.Key, stored.Recipients);
        _placement.EnsureRoom(manifest.SizeBytes + ManifestObject.MaxBytes);
        var compression = stored.Compression == "zstd" ? OffsiteCompression.Zstd : OffsiteCompression.None;
        using var response = await client.GetObjectAsync(target.Bucket, stored.Key, cancellationToken);
        await using var body = response.ResponseStream;
        await using var decoded = OffsiteCodec.Decode(body, compression, identities);
        try
        {
            await _placement.PlaceAsync(decoded, local, manifest, manifestBytes, CopySource.Offsite, progress, cancellationToken);
        }
        catch (OffsiteCodecException e)
        {
            throw e.Failure == OffsiteCodecFailure.NoMatchingIdentity
                ? new FetchException(FetchFailure.KeyProblem,
                    $"{e.Message} It was encrypted to {string.Join(", ", stored.Recipients)}; Offsite.AgeIdentityFile ({options.AgeIdentityFile}) holds none of their keys; nothing was kept")
                : new FetchException(FetchFailure.Invalid, $"the off-site copy of {manifest.FileName} is refused: {e.Message} Nothing was kept");
        }

        return new OffsiteFetched(local, manifest, target, stored.Key, AlreadyHere: false, clusterChecked);
    }

    /// <summary>The identities of <c>Offsite.AgeIdentityFile</c>, read now (a rotated key takes effect at once); a clear refusal without one.</summary>
    private IReadOnlyList<AgeIdentity> Identities(string key, IReadOnlyList<string> recipients)
    {
        if (options.AgeIdentityFile is not { } path)
        {
            throw new FetchException(FetchFailure.KeyProblem,
                $"{key} is encrypted with age (to {string.Join(", ", recipients)}), and no Offsite.AgeIdentityFile is configured: "
                + "set it to the identity file (age-keygen -o FILE, mode 0600) that holds one of those keys; nothing was downloaded");
        }

        try
        {
            return AgeIdentityFile.Read(path);
        }
        catch (OffsiteCodecException e)
        {
            throw new FetchException(FetchFailure.KeyProblem, $"Offsite.AgeIdentityFile: {e.Message} Nothing was downloaded");
        }
    }
}
