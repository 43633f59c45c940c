using Microsoft.Extensions.Logging;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace EtcdBackupd.Peers;

/// <summary>Our <c>.part</c> files in a target's directory on a peer: removed after a failed upload.</summary>
internal static class RemotePartials
{
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
