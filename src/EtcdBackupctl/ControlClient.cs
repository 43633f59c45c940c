using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using EtcdBackupd.Control;

namespace EtcdBackupctl;

/// <summary>The daemon could not be reached at all (exit code 3).</summary>
internal sealed class UnreachableException(string message, Exception inner) : Exception(message, inner);

/// <summary>One request over the control socket: send a line, read events until the final answer.</summary>
internal static class ControlClient
{
    public static async Task<JsonObject> RequestAsync(string socketPath, JsonObject request, Action<JsonObject> onEvent, CancellationToken cancellationToken)
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
        await stream.WriteAsync(ControlProtocol.Line(request), cancellationToken);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (JsonNode.Parse(line) is not JsonObject message)
            {
                continue;
            }

            if (message.ContainsKey("ok"))
            {
                return message;
            }

            onEvent(message);
        }

        throw new UnreachableException($"etcd-backupd at {socketPath} closed the connection without an answer", new EndOfStreamException());
    }
}
