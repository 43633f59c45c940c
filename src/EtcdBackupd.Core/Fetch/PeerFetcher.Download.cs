using EtcdBackupd.Lineage;
using EtcdBackupd.Peers;
using EtcdBackupd.Snapshots;

namespace EtcdBackupd.Fetch;

/// <summary>One download from a peer: its manifest and size checked first, then placed as <see cref="SnapshotPlacement"/> places every fetched copy.</summary>
internal sealed partial class PeerFetcher
{
    private async Task<Fetched> DownloadAsync(
        PeerSession session, PeerTarget target, string name, IReadOnlyList<string> known, Action<long, long>? progress, CancellationToken cancellationToken)
    {
        var sftp = session.Sftp;
        var remote = $"{target.Directory.TrimEnd('/')}/{name}";
        if (!await sftp.ExistsAsync(remote, cancellationToken))
        {
            throw new FetchException(FetchFailure.NotFound, $"no {name} in {target.Directory}");
        }

        var (manifest, manifestBytes) = await RemoteManifestAsync(sftp, remote, name, cancellationToken);
        if (OtherCluster(manifest, known) is { } other)
        {
            // A manifest without a cluster ID (a file imported from before the product) may be fetched by its name.
            throw new FetchException(FetchFailure.OtherCluster,
                $"{name} in {target.Directory} is a snapshot of cluster {other}, which is not this cluster ({string.Join(", ", known)}, as recorded in {lineage.Path}); not fetched");
        }

        var remoteSize = (await sftp.GetAttributesAsync(remote, cancellationToken)).Size;
        if (remoteSize != manifest.SizeBytes)
        {
            throw new FetchException(FetchFailure.Invalid, $"the peer's {name} is {remoteSize} bytes, its manifest says {manifest.SizeBytes}; not downloaded");
        }

        var local = _placement.PathOf(name);
        if (FileSystem.FileKinds.IsThere(local))
        {
            _placement.AlreadyHere(local, manifest, manifestBytes, CopySource.Peer, cancellationToken);
            return new Fetched(local, manifest, target, AlreadyHere: true);
        }

        _placement.EnsureRoom(manifest.SizeBytes + PeerManifests.MaxBytes);
        await using (var input = await sftp.OpenAsync(remote, FileMode.Open, FileAccess.Read, cancellationToken))
        {
            await _placement.PlaceAsync(input, local, manifest, manifestBytes, CopySource.Peer, progress, cancellationToken);
        }

        return new Fetched(local, manifest, target, AlreadyHere: false);
    }

    /// <summary>The cluster the manifest names when it is not one the lineage here records; null when it is, or when either says nothing.</summary>
    private static string? OtherCluster(SnapshotManifest manifest, IReadOnlyList<string> known) =>
        known.Count > 0 && ClusterIds.Normalize(manifest.ClusterId) is { } id && !known.Contains(id) ? id : null;
}
