using Microsoft.Extensions.Logging;
using Renci.SshNet;
using Renci.SshNet.Common;
using Renci.SshNet.Sftp;

namespace EtcdBackupd.Peers;

/// <summary>The free space in a target's directory on the peer, from <c>statvfs@openssh.com</c> where the server offers it.</summary>
internal static class PeerSpace
{
    /// <exception cref="PeerRefusedException">The directory is read-only, or has less than <paramref name="needed"/> bytes free.</exception>
    public static async Task EnsureRoomAsync(SftpClient sftp, PeerTarget target, long needed, ILogger logger, CancellationToken cancellationToken)
    {
        var status = await ReadAsync(sftp, target.Directory, cancellationToken);
        if (status is null)
        {
            PeersLog.FreeSpaceUnknown(logger, target.Host, target.Port, target.Directory);
            return;
        }

        if (status.IsReadOnly)
        {
            throw new PeerRefusedException(PeerErrors.ReadOnly(target.Directory));
        }

        var free = Available(status);
        PeersLog.FreeSpace(logger, target.Host, target.Port, free, target.Directory, needed);
        if (free < (ulong)needed)
        {
            throw new PeerRefusedException(PeerErrors.TooLittleSpace(free, needed, target.Directory));
        }
    }

    /// <summary>What the peer's user may write in <paramref name="directory"/>, and whether it is read-only; null when the server cannot say.</summary>
    public static async Task<(ulong Free, bool ReadOnly)?> FreeAsync(SftpClient sftp, string directory, CancellationToken cancellationToken) =>
        await ReadAsync(sftp, directory, cancellationToken) is { } status ? (Available(status), status.IsReadOnly) : null;

    /// <summary>
    /// After a write failed: whether the rest of the file no longer fits, which is what OpenSSH's bare "Failure"
    /// means when a write meets a full disk. False when the server cannot say or the connection is gone.
    /// </summary>
    public static async Task<bool> IsFullAsync(SftpClient sftp, string directory, string part, long length, CancellationToken cancellationToken)
    {
        try
        {
            var status = await ReadAsync(sftp, directory, cancellationToken);
            if (status is null)
            {
                return false;
            }

            var written = await sftp.ExistsAsync(part, cancellationToken) ? (await sftp.GetAttributesAsync(part, cancellationToken)).Size : 0;
            return Available(status) < (ulong)Math.Max(0, length - written);
        }
        catch (Exception e) when (e is SshException or ObjectDisposedException or OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task<SftpFileSystemInformation?> ReadAsync(SftpClient sftp, string directory, CancellationToken cancellationToken)
    {
        try
        {
            return await sftp.GetStatusAsync(directory, cancellationToken);
        }
        // The async form sends the request whether or not the server announced the extension, and a server
        // without it answers SSH_FX_OP_UNSUPPORTED; the synchronous form throws NotSupportedException first.
        catch (Exception e) when (e is NotSupportedException or SftpException { StatusCode: StatusCode.OperationUnsupported })
        {
            return null;
        }
    }

    /// <summary>What the peer's user may still write (f_bavail × f_frsize): root's reserve is not counted on.</summary>
    private static ulong Available(SftpFileSystemInformation status) => status.AvailableBlocks * status.BlockSize;
}
