using EtcdBackupd.FileSystem;
using EtcdBackupd.Peers;
using EtcdBackupd.Snapshots;
using Renci.SshNet;

namespace EtcdBackupd.Fetch;

/// <summary>What is checked before a byte is read: the peer's manifest, a file of that name here, the room here.</summary>
internal sealed partial class PeerFetcher
{
    /// <summary>A full disk here would fail every peer's download alike: said at once, and no peer is blamed for it.</summary>
    private void EnsureRoom(long needed)
    {
        if (FreeSpace.Of(directory) is { } free && free < needed)
        {
            throw new FetchException(FetchFailure.NoSpace, $"{directory} has {free >> 20} MiB free, the snapshot needs {(needed >> 20) + 1} MiB; nothing was downloaded");
        }
    }

    /// <summary>The manifest beside the peer's copy, which must name it: a copy without one is refused, since nothing could vouch for it.</summary>
    private static async Task<(SnapshotManifest, byte[])> RemoteManifestAsync(SftpClient sftp, string remote, string name, CancellationToken cancellationToken)
    {
        var path = SnapshotFileName.ManifestOf(remote);
        if (!await sftp.ExistsAsync(path, cancellationToken))
        {
            throw new FetchException(FetchFailure.Invalid, $"the peer has {name} but no manifest beside it ({Path.GetFileName(path)}); a copy nothing vouches for is not taken");
        }

        var (manifest, bytes) = PeerManifests.TryRead(sftp, path);
        if (manifest is null || manifest.FileName != name)
        {
            throw new FetchException(FetchFailure.Invalid, $"the peer's {Path.GetFileName(path)} is not the manifest of {name}; not downloaded");
        }

        return (manifest, bytes);
    }

    /// <summary>A file of that name is here: identical to the peer's (its manifest written if it lacked one), or refused, never replaced.</summary>
    private Fetched AlreadyHere(string local, SnapshotManifest manifest, byte[] manifestBytes, PeerTarget target, CancellationToken cancellationToken)
    {
        bool identical;
        try
        {
            var (trailerOk, sha256) = EtcdTrailer.Check(local, cancellationToken);
            identical = trailerOk && sha256 == manifest.Sha256 && new FileInfo(local).Length == manifest.SizeBytes;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            identical = false;
        }

        if (!identical)
        {
            throw new FetchException(FetchFailure.Exists,
                $"{local} exists and differs from the peer's copy (SHA-256 {manifest.Sha256}); it is not replaced: move it away first if the peer's is wanted");
        }

        var manifestPath = SnapshotFileName.ManifestOf(local);
        if (ManifestFile.TryRead(manifestPath) is null)
        {
            Durable.WriteAllBytes(manifestPath, manifestBytes, OwnerOnly);
        }

        verifier.Remember(local, good: true);
        return new Fetched(local, manifest, target, AlreadyHere: true);
    }
}
