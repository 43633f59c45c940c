using EtcdBackupd.Snapshots;
using Microsoft.Extensions.Logging;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace EtcdBackupd.Peers;

/// <summary>Our <c>.part</c> files in a target's directory on a peer: removed after a failed upload, and once abandoned.</summary>
internal static class RemotePartials
{
    /// <summary>
    /// Removes the partial files of our naming that <see cref="PartialFiles.IsStale"/> calls abandoned, by the
    /// rule the local directory follows; any other file there is left alone.
    /// </summary>
    /// <exception cref="PeerRefusedException">The directory does not exist.</exception>
    public static async Task RemoveStaleAsync(SftpClient sftp, PeerTarget target, DateTimeOffset now, ILogger logger, CancellationToken cancellationToken)
    {
        var stale = new List<string>();
        try
        {
            await foreach (var file in sftp.ListDirectoryAsync(target.Directory, cancellationToken))
            {
                if (file.IsRegularFile && PartialFiles.IsStale(file.Name, file.LastWriteTimeUtc, now))
                {
                    stale.Add(file.FullName);
                }
            }
        }
        catch (SftpPathNotFoundException e)
        {
            throw new PeerRefusedException(PeerErrors.DirectoryMissing(target.Directory), e);
        }
        catch (SftpPermissionDeniedException)
        {
            // A directory this user may write to but not list holds nothing we can find.
            return;
        }

        foreach (var path in stale)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await TryRemoveAsync(sftp, target, path, PartialFiles.StaleReason, logger, cancellationToken);
        }
    }

    /// <summary>Best effort: false, and logged, when the file may still be there.</summary>
    public static async Task<bool> TryRemoveAsync(SftpClient sftp, PeerTarget target, string path, string reason, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            await sftp.DeleteFileAsync(path, cancellationToken);
            PeersLog.PartialRemoved(logger, path, target.Host, target.Port, reason);
            return true;
        }
        catch (SftpPathNotFoundException)
        {
            return true;
        }
        catch (Exception e) when (e is SshException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            PeersLog.PartialRemoveFailed(logger, path, target.Host, target.Port, PeerErrors.Describe(e, target.Directory));
            return false;
        }
    }
}
