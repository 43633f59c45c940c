using System.Globalization;
using System.Net.Sockets;
using Renci.SshNet.Common;
using Renci.SshNet.Sftp;

namespace EtcdBackupd.Peers;

/// <summary>
/// A problem on the peer that another attempt seconds later would meet again (too little space, no permission,
/// no directory): reported at once, not retried.
/// </summary>
internal sealed class PeerRefusedException(string message, Exception? innerException = null) : Exception(message, innerException);

/// <summary>What went wrong with a peer, as a sentence for the result and the journal; never a .NET type name.</summary>
internal static class PeerErrors
{
    public static bool IsFinal(Exception e) =>
        e is HostKeyRefusedException or PeerRefusedException or SftpException { StatusCode: StatusCode.PermissionDenied };

    /// <param name="e">What SSH.NET or the pusher threw.</param>
    /// <param name="directory">The target's directory on the peer, which every SFTP request of a copy is about.</param>
    public static string Describe(Exception e, string directory) => e switch
    {
        HostKeyRefusedException or PeerRefusedException => e.Message,
        SftpException s => Describe(s.StatusCode, s.Message, directory),
        SocketException { SocketErrorCode: SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown or SocketError.NotConnected } s =>
            $"the connection to the peer was lost: {s.Message}",
        SocketException { SocketErrorCode: SocketError.ConnectionRefused } => "cannot connect: connection refused (is sshd running there, on that port?)",
        SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain } =>
            "cannot connect: the host name does not resolve (DNS): check Peers.Targets",
        SocketException { SocketErrorCode: SocketError.TimedOut } => "cannot connect: no answer, the connection timed out (a firewall, or the host is down)",
        SocketException { SocketErrorCode: SocketError.NetworkUnreachable or SocketError.HostUnreachable } => "cannot connect: no route to the host from here",
        SocketException s => $"cannot connect: {s.Message}",
        SshAuthenticationException a => $"authentication with Peers.IdentityFile refused: {a.Message}",
        SshOperationTimeoutException t => $"timed out: {t.Message}",
        SshConnectionException c => $"the connection to the peer was lost: {c.Message}",
        OperationCanceledException => "timed out",
        _ => Etcd.EtcdErrors.Plain(e.Message) ?? "an unexpected error (the journal's EXCEPTION field has the details)",
    };

    /// <summary>An SFTP status as a sentence; <paramref name="message"/> is the server's own text for it.</summary>
    public static string Describe(StatusCode status, string message, string directory) => status switch
    {
        StatusCode.PermissionDenied => $"permission denied on the peer's directory {directory}",
        StatusCode.NoSuchFile => DirectoryMissing(directory),
        StatusCode.NoConnection or StatusCode.ConnectionLost => "the connection to the peer was lost",
        // OpenSSH 9.2 answers a write on a full disk with SSH_FX_FAILURE "Failure"; later versions may name it.
        StatusCode.Failure when message.Contains("No space left", StringComparison.OrdinalIgnoreCase) => NoSpaceLeft(directory),
        _ => $"the peer's SFTP server answered {StatusName(status)} (\"{message}\") in {directory}",
    };

    public static string DirectoryMissing(string directory) => $"the peer's directory {directory} does not exist";

    public static string NoSpaceLeft(string directory) => $"no space left on the peer in {directory}";

    public static string ReadOnly(string directory) => $"the peer's directory {directory} is on a read-only file system";

    /// <summary>Both numbers in MiB, so that they compare at a glance.</summary>
    public static string TooLittleSpace(ulong freeBytes, long neededBytes, string directory) =>
        $"the peer has {MiB(freeBytes)} free in {directory}, the snapshot needs {MiB((ulong)neededBytes)}";

    private static string MiB(ulong bytes) => (bytes / (double)(1 << 20)).ToString("F1", CultureInfo.InvariantCulture) + " MiB";

    private static string StatusName(StatusCode status) => status switch
    {
        StatusCode.Eof => "SSH_FX_EOF",
        StatusCode.Failure => "SSH_FX_FAILURE",
        StatusCode.BadMessage => "SSH_FX_BAD_MESSAGE",
        StatusCode.OperationUnsupported => "SSH_FX_OP_UNSUPPORTED",
        _ => $"SFTP status {(int)status}",
    };
}
