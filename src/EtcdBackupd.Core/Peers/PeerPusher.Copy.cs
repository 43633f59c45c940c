using EtcdBackupd.FileSystem;
using EtcdBackupd.Snapshots;
using Renci.SshNet;
using Renci.SshNet.Common;
using Renci.SshNet.Sftp;

namespace EtcdBackupd.Peers;

/// <summary>One copy over one connection: the peer's directory tidied, its space checked, then the two uploads.</summary>
internal sealed partial class PeerPusher
{
    private const short OwnerOnly = 600;

    private readonly PartLeftovers _leftovers = new();

    /// <summary>True when the peer already had an identical copy (never with <paramref name="replace"/>).</summary>
    private async Task<bool> CopyAsync(SftpClient sftp, PeerTarget target, SnapshotResult snapshot, bool replace, CancellationToken cancellationToken)
    {
        foreach (var part in _leftovers.Take(target))
        {
            if (!await RemotePartials.TryRemoveAsync(sftp, target, part, "left by an upload whose connection was lost", logger, cancellationToken))
            {
                _leftovers.Add(target, part);
            }
        }

        await RemotePartials.RemoveStaleAsync(sftp, target, time.GetUtcNow(), logger, cancellationToken);
        var remote = $"{target.Directory.TrimEnd('/')}/{Path.GetFileName(snapshot.Path)}";
        var remoteManifest = SnapshotFileName.ManifestOf(remote);
        if (!replace && await IsIdenticalAsync(sftp, remote, remoteManifest, snapshot.Manifest, cancellationToken))
        {
            return true;
        }

        var localManifest = SnapshotFileName.ManifestOf(snapshot.Path);
        var needed = new FileInfo(snapshot.Path).Length + new FileInfo(localManifest).Length + FreeSpace.Headroom;
        await PeerSpace.EnsureRoomAsync(sftp, target, needed, logger, cancellationToken);
        await UploadAsync(sftp, target, snapshot.Path, remote, uploaded => OnUploaded?.Invoke(target, uploaded), cancellationToken);
        await UploadAsync(sftp, target, localManifest, remoteManifest, null, cancellationToken);
        return false;
    }

    private static async Task<bool> IsIdenticalAsync(SftpClient sftp, string remote, string remoteManifest, SnapshotManifest local, CancellationToken cancellationToken)
    {
        if (!await sftp.ExistsAsync(remote, cancellationToken) || !await sftp.ExistsAsync(remoteManifest, cancellationToken)
            || (await sftp.GetAttributesAsync(remote, cancellationToken)).Size != local.SizeBytes)
        {
            return false;
        }

        var theirs = PeerManifests.TryRead(sftp, remoteManifest).Manifest;
        return theirs is not null && theirs.Sha256 == local.Sha256 && theirs.SizeBytes == local.SizeBytes;
    }

    /// <summary>
    /// To <c>.part</c>, then renamed into place. Whatever stops it (a full disk, a cut connection, the deadline),
    /// the <c>.part</c> is removed, or, when the connection is gone, remembered for the next connection.
    /// </summary>
    private async Task UploadAsync(SftpClient sftp, PeerTarget target, string local, string remote, Action<ulong>? onUploaded, CancellationToken cancellationToken)
    {
        var part = PartialFiles.Of(remote);
        // SSH.NET reads in SFTP-packet-sized pieces; a 1 MiB buffer turns those into few large reads.
        // Only a regular file is pushed: a symlink or FIFO named like a snapshot is refused, never read.
        await using var input = FileSystem.RegularFile.OpenRead(local, 1 << 20);
        var created = false;
        try
        {
            await using (await sftp.OpenAsync(part, FileMode.Create, FileAccess.Write, cancellationToken))
            {
                created = true;
            }

            sftp.ChangePermissions(part, OwnerOnly);
            var progress = onUploaded is null ? null : new SynchronousProgress(onUploaded);
            await sftp.UploadFileAsync(input, part, canOverride: true, progress, cancellationToken);
            var size = (await sftp.GetAttributesAsync(part, cancellationToken)).Size;
            if (size != input.Length)
            {
                throw new IOException($"the peer holds {size} bytes of '{part}', expected {input.Length}");
            }

            sftp.RenameFile(part, remote, isPosix: true);
        }
        catch (Exception e) when (created)
        {
            // The deadline may be what stopped the upload: the clean-up gets a short one of its own.
            using var cleanup = new CancellationTokenSource(options.ConnectTimeout, time);
            var full = e is SftpException { StatusCode: StatusCode.Failure } or IOException
                && await PeerSpace.IsFullAsync(sftp, target.Directory, part, input.Length, cleanup.Token);
            if (!await RemotePartials.TryRemoveAsync(sftp, target, part, "the upload failed", logger, cleanup.Token))
            {
                _leftovers.Add(target, part);
            }

            if (full)
            {
                throw new PeerRefusedException(PeerErrors.NoSpaceLeft(target.Directory), e);
            }

            throw;
        }
    }

    /// <summary>Reports on the uploading thread, unlike <see cref="Progress{T}"/>, which posts.</summary>
    private sealed class SynchronousProgress(Action<ulong> report) : IProgress<UploadFileProgressReport>
    {
        public void Report(UploadFileProgressReport value) => report(value.TotalBytesUploaded);
    }
}
