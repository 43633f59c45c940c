using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using EtcdBackupd.Protocol;
using EtcdBackupd.Protocol.Descriptors;

namespace EtcdBackupctl;

/// <summary>The daemon could not be reached at all (exit code 3).</summary>
internal sealed class UnreachableException(string message, Exception inner) : Exception(message, inner);

/// <summary>No final line came from the daemon, within the CLI's timeout or before it closed (exit code 4): the outcome is unknown.</summary>
internal sealed class NoAnswerException(string message) : Exception(message)
{
    public NoAnswerException(TimeSpan timeout)
        : this($"no answer from etcd-backupd within {timeout.TotalSeconds:F0} s (--timeout); the daemon carries on with the request: "
            + "see etcd-backupctl status or journalctl -u etcd-backupd for its outcome")
    {
    }
}

/// <summary>One request over the control socket: send a line, hand each event line on, return the final answer's line.</summary>
internal static class ControlClient
{
    /// <summary>
    /// Sends <paramref name="request"/> and returns the final line. <paramref name="timeout"/> is the
    /// longest wait for the next line (the daemon sends one at least every few seconds while it works);
    /// null waits for ever. <c>file</c>: an open file sent with the request's first bytes (SCM_RIGHTS), when the request names one.
    /// </summary>
    public static async Task<byte[]> RequestAsync(
        string socketPath, byte[] request, Action<byte[]> onEvent, TimeSpan? timeout, CancellationToken cancellationToken, SafeHandle? file = null)
    {
        // Turned away as busy (every slot taken): a client waits its turn within its timeout, as it would in the
        // accept queue; 30 s without one. Not for ever: `call`, which has none, runs under a coordinator's SSH
        // channel, and must not send an old restore-phase request long after that coordinator moved on.
        var until = Until(timeout);
        while (true)
        {
            var line = await RequestOnceAsync(socketPath, request, onEvent, timeout, file, cancellationToken);
            if (Answers.Head(line) is not { Ok: false, Error.Code: ErrorCodes.Busy } || Environment.TickCount64 >= until)
            {
                return line;
            }

            await Task.Delay(250, cancellationToken);
        }
    }

    /// <summary>When a wait for a turn gives up: the timeout from now, or 30 s without one.</summary>
    private static long Until(TimeSpan? timeout) => Environment.TickCount64 + (long)(timeout ?? TimeSpan.FromSeconds(30)).TotalMilliseconds;

    private static async Task<byte[]> RequestOnceAsync(
        string socketPath, byte[] request, Action<byte[]> onEvent, TimeSpan? timeout, SafeHandle? file, CancellationToken cancellationToken)
    {
        using var socket = await ConnectAsync(socketPath, timeout, cancellationToken);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        try
        {
            byte[] line = request.Length > 0 && request[^1] == (byte)'\n' ? request : [.. request, (byte)'\n'];
            var sent = file is null ? 0 : DescriptorPassing.Send(socket, line, file);
            await stream.WriteAsync(line.AsMemory(sent), cancellationToken);
        }
        catch (SocketException)
        {
            // As below: a daemon that turned the connection away has answered already.
        }
        catch (IOException)
        {
            // A daemon that turns a connection away (busy, forbidden) answers and closes before reading: its line is still there to read.
        }

        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (await TryReadLineAsync(reader, timeout, cancellationToken) is { } text)
        {
            var line = Encoding.UTF8.GetBytes(text);
            switch (Answers.Head(line))
            {
                case { Ok: not null }:
                    return line;
                case { Event: "keepalive" }:
                    break;
                case { Event: not null }:
                    onEvent(line);
                    break;
            }
        }

        throw new NoAnswerException($"etcd-backupd at {socketPath} closed the connection without an answer (is it stopping?); "
            + "the outcome is unknown: see etcd-backupctl status or journalctl -u etcd-backupd");
    }

    private static async Task<string?> TryReadLineAsync(StreamReader reader, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        try
        {
            return await ReadLineAsync(reader, timeout, cancellationToken);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static async Task<string?> ReadLineAsync(StreamReader reader, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        if (timeout is not { } limit)
        {
            return await reader.ReadLineAsync(cancellationToken);
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(limit);
        try
        {
            return await reader.ReadLineAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new NoAnswerException(limit);
        }
    }

    /// <summary>
    /// Connects; while the daemon's accept queue is full (EAGAIN on a Unix socket), waits and tries
    /// again within the timeout instead of failing at once.
    /// </summary>
    private static async Task<Socket> ConnectAsync(string socketPath, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var until = Until(timeout);
        while (true)
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
                return socket;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.TryAgain && Environment.TickCount64 < until)
            {
                socket.Dispose();
                await Task.Delay(100, cancellationToken);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                throw new UnreachableException($"cannot reach etcd-backupd at {socketPath}: {Why(e, socketPath)}", e);
            }
        }
    }

    /// <summary>What the operator does about it: start the daemon, join its group, or look at the path.</summary>
    private static string Why(SocketException e, string socketPath) => e.SocketErrorCode switch
    {
        _ when !Path.Exists(socketPath) => "no such socket; is etcd-backupd running? (systemctl status etcd-backupd; --socket or Control.SocketPath for another path)",
        SocketError.ConnectionRefused => "nothing answers on it: etcd-backupd is not running, or has not started yet (systemctl status etcd-backupd)",
        SocketError.AccessDenied => "permission denied: only root and members of the group in Control.Group (the packages' etcd-backupd group) may use it",
        _ => e.Message,
    };
}
