using System.Net.Sockets;
using System.Text;
using EtcdBackupd.Protocol;

namespace EtcdBackupctl;

/// <summary>The daemon could not be reached at all (exit code 3).</summary>
internal sealed class UnreachableException(string message, Exception inner) : Exception(message, inner);

/// <summary>One request over the control socket: send a line, hand each event line on, return the final answer's line.</summary>
internal static class ControlClient
{
    public static async Task<byte[]> RequestAsync(string socketPath, byte[] request, Action<byte[]> onEvent, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
        }
        catch (SocketException e)
        {
            var why = File.Exists(socketPath) ? e.Message : "no such socket; is etcd-backupd running? (systemctl status etcd-backupd)";
            throw new UnreachableException($"cannot reach etcd-backupd at {socketPath}: {why}", e);
        }

        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await stream.WriteAsync(request.Length > 0 && request[^1] == (byte)'\n' ? request : [.. request, (byte)'\n'], cancellationToken);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellationToken) is { } text)
        {
            var line = Encoding.UTF8.GetBytes(text);
            switch (Answers.Head(line))
            {
                case { Ok: not null }:
                    return line;
                case { Event: not null }:
                    onEvent(line);
                    break;
            }
        }

        throw new UnreachableException($"etcd-backupd at {socketPath} closed the connection without an answer", new EndOfStreamException());
    }
}
