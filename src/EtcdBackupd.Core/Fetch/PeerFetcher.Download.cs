using EtcdBackupd.Peers;

namespace EtcdBackupd.Fetch;

/// <summary>One download from a peer: its manifest and size checked first, then placed as <see cref="SnapshotPlacement"/> places every fetched copy.</summary>
internal sealed partial class PeerFetcher
{
    private async Task<Fetched> DownloadAsync(PeerSession session, PeerTarget target, string name, Action<long, long>? progress, CancellationToken cancellationToken)
    {
        var sftp = session.Sftp;
        var remote = $"{target.Directory.TrimEnd('/')}/{name}";
        if (!await sftp.ExistsAsync(remote, cancellationToken))
        {
            throw new FetchException(FetchFailure.NotFound, $"no {name} in {target.Directory}");
        }

        var (manifest, manifestBytes) = await RemoteManifestAsync(sftp, remote, name, cancellationToken);
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
}
