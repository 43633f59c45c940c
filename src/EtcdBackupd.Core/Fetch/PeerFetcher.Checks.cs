using EtcdBackupd.Peers;
using EtcdBackupd.Snapshots;
using Renci.SshNet;

namespace EtcdBackupd.Fetch;

/// <summary>What is checked before a byte is read: the peer's manifest.</summary>
internal sealed partial class PeerFetcher
{
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
}
