using System.Buffers;
using System.Net.Sockets;

namespace EtcdBackupd.Control;

/// <summary>
/// One client connection: newline-delimited requests, each answered in full before the next is read,
/// every line through the connection's one writer. Bad input of any kind gets an error line (or, for
/// an oversized or idle client, an error line and the connection closed); it never reaches a handler.
/// </summary>
internal sealed class ControlSession(Socket socket, ControlOptions options, ControlDispatcher dispatcher, Microsoft.Extensions.Logging.ILogger logger)
{
    /// <summary>How long one answer line may wait for a client that does not read.</summary>
    private static readonly TimeSpan WriteDeadline = TimeSpan.FromSeconds(10);

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

        await using var output = new ConnectionWriter(socket, WriteDeadline);
        if (!peer.MayRead(options))
        {
            ControlLog.Refused(logger, peer.Uid, peer.Pid, "connect", $"not root and not in group {options.Group}");
            await output.AnswerAsync(Reply.Failure(ErrorCodes.Forbidden, $"uid {peer.Uid} is neither root nor in group {options.Group}"));
            return;
        }

        var call = new ControlCall(peer, output);
        var buffer = ArrayPool<byte>.Shared.Rent(ControlFraming.MaxRequestBytes + 1);
        try
        {
            var filled = 0;
            while (!stopping.IsCancellationRequested)
            {
                var newline = Array.IndexOf(buffer, (byte)'\n', 0, filled);
                if (newline < 0)
                {
                    if (filled > ControlFraming.MaxRequestBytes)
                    {
                        await output.AnswerAsync(Reply.Failure(ErrorCodes.TooLarge, $"requests are limited to {ControlFraming.MaxRequestBytes} bytes"));
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
                        await output.AnswerAsync(Reply.Failure(ErrorCodes.Idle, $"no request within {options.Idle.TotalSeconds:F0} s"));
                        return;
                    }

                    if (read == 0)
                    {
                        return;
                    }

                    filled += read;
                    continue;
                }

                if (newline > ControlFraming.MaxRequestBytes)
                {
                    await output.AnswerAsync(Reply.Failure(ErrorCodes.TooLarge, $"requests are limited to {ControlFraming.MaxRequestBytes} bytes"));
                    return;
                }

                var request = buffer.AsSpan(0, newline).ToArray();
                buffer.AsSpan(newline + 1, filled - newline - 1).CopyTo(buffer);
                filled -= newline + 1;
                var answer = await dispatcher.DispatchAsync(request, call, stopping);
                if (!await output.AnswerAsync(answer))
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException)
        {
            // The client went away mid-request: nothing to tell anyone.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
