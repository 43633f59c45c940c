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
    /// rule the local directory follows, judged by <see cref="StoreClock"/>: a clock here ahead of the peer's must not
    /// take another master's upload in flight for abandoned. Any other file there is left alone.
    /// </summary>
    /// <exception cref="PeerRefusedException">The directory does not exist.</exception>
    public static async Task RemoveStaleAsync(SftpClient sftp, PeerTarget target, DateTimeOffset now, ILogger logger, CancellationToken cancellationToken)
    {
        var files = new List<(string Name, string Path, DateTime Written)>();
        try
        {
            await foreach (var file in sftp.ListDirectoryAsync(target.Directory, cancellationToken))
            {
                if (file.IsRegularFile)
                {
                    files.Add((file.Name, file.FullName, file.LastWriteTimeUtc));
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

        // An hour's slack: another master's upload in flight is the newest write there, minutes old at most.
        var judged = StoreClock.Now(now, files.Count == 0 ? null : new DateTimeOffset(files.Max(f => f.Written), TimeSpan.Zero), NamedAhead.Slack);
        foreach (var path in files.Where(f => PartialFiles.IsStale(f.Name, f.Written, judged)).Select(f => f.Path))
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
