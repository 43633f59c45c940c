using System.Buffers;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace EtcdBackupd.Control;

/// <summary>
/// One client connection: newline-delimited requests, each answered in full before the next is read.
/// Bad input of any kind gets an error line (or, for an oversized or idle client, the connection
/// closed); it never reaches the commands.
/// </summary>
internal sealed class ControlSession(Socket socket, ControlOptions options, ControlCommands commands, ILogger logger)
{
    public async Task RunAsync(CancellationToken stopping)
    {
        PeerCredentials peer;
        try
        {
            peer = PeerCredentials.Of(socket);
        }
        catch (SocketException)
        {
            return;
        }

        if (!peer.MayRead(options))
        {
            ControlLog.Refused(logger, peer.Uid, peer.Pid, "connect", $"not root and not in group {options.Group}");
            await TrySendAsync(ControlProtocol.Error(ControlProtocol.Codes.Forbidden,
                $"uid {peer.Uid} is neither root nor in group {options.Group}"), stopping);
            return;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(ControlProtocol.MaxRequestBytes + 1);
        try
        {
            var filled = 0;
            while (!stopping.IsCancellationRequested)
            {
                var newline = Array.IndexOf(buffer, (byte)'\n', 0, filled);
                if (newline < 0)
                {
                    if (filled > ControlProtocol.MaxRequestBytes)
                    {
                        await TrySendAsync(ControlProtocol.Error(ControlProtocol.Codes.TooLarge,
                            $"requests are limited to {ControlProtocol.MaxRequestBytes} bytes"), stopping);
                        return;
                    }

                    using var idle = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                    idle.CancelAfter(options.Idle);
                    int read;
                    try
                    {
                        read = await socket.ReceiveAsync(buffer.AsMemory(filled, buffer.Length - filled), SocketFlags.None, idle.Token);
                    }
                    catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
                    {
                        await TrySendAsync(ControlProtocol.Error(ControlProtocol.Codes.Idle, $"no request within {options.Idle.TotalSeconds:F0} s"), stopping);
                        return;
                    }

                    if (read == 0)
                    {
                        return;
                    }

                    filled += read;
                    continue;
                }

                var request = buffer.AsSpan(0, newline).ToArray();
                buffer.AsSpan(newline + 1, filled - newline - 1).CopyTo(buffer);
                filled -= newline + 1;
                if (!await HandleAsync(request, peer, stopping))
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException)
        {
            // The client went away mid-request or mid-answer: nothing to tell anyone.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>False when the connection should end.</summary>
    private async Task<bool> HandleAsync(byte[] line, PeerCredentials peer, CancellationToken stopping)
    {
        JsonObject? request;
        try
        {
            request = JsonNode.Parse(line) as JsonObject;
        }
        catch (JsonException e)
        {
            return await TrySendAsync(ControlProtocol.Error(ControlProtocol.Codes.BadRequest, $"not a JSON object: {e.Message}"), stopping);
        }

        if (request?["command"] is not JsonValue commandValue || !commandValue.TryGetValue<string>(out var command))
        {
            return await TrySendAsync(ControlProtocol.Error(ControlProtocol.Codes.BadRequest, "a request is a JSON object with a string \"command\""), stopping);
        }

        var final = await commands.RunAsync(command, request, peer, message => TrySendAsync(message, stopping), stopping);
        return await TrySendAsync(final, stopping);
    }

    private async Task<bool> TrySendAsync(JsonNode message, CancellationToken stopping)
    {
        try
        {
            var bytes = ControlProtocol.Line(message);
            var sent = 0;
            while (sent < bytes.Length)
            {
                sent += await socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None, stopping);
            }

            return true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            return false;
        }
    }
}
