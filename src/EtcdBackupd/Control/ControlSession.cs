using System.Buffers;
using System.Net.Sockets;
using EtcdBackupd.Etcd;
using EtcdBackupd.Protocol.Descriptors;
using Microsoft.Win32.SafeHandles;

namespace EtcdBackupd.Control;

/// <summary>
/// One client connection: newline-delimited requests, each answered in full before the next is read,
/// every line through the connection's one writer. Bad input of any kind gets an error line (or, for
/// an oversized, idle or trickling client, an error line and the connection closed); it never reaches
/// a handler. A request under way runs to its end even when the daemon stops or the client leaves.
/// </summary>
internal sealed class ControlSession(Socket socket, PeerCredentials peer, ControlOptions options, ControlDispatcher dispatcher, ControlJournalBudget journal, ILogger logger)
{
    private readonly List<SafeFileHandle> _received = [];
    private bool _dropped;

    /// <summary>While a request runs, a line at least this often, so a client can tell a slow answer from a hung daemon.</summary>
    public static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(5);

    public async Task RunAsync(CancellationToken stopping)
    {
        await using var output = new ConnectionWriter(socket, options.WriteDeadline);
        var call = new ControlCall(peer, output);
        var buffer = ArrayPool<byte>.Shared.Rent(ControlFraming.MaxRequestBytes + 1);
        try
        {
            var filled = 0;
            long requestStarted = 0;
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

                    // Waiting for a request: the idle limit. Inside one: what is left of the request's deadline.
                    var limit = filled == 0 ? options.Idle : options.RequestDeadline - TimeSpan.FromMilliseconds(Environment.TickCount64 - requestStarted);
                    using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                    deadline.CancelAfter(limit > TimeSpan.Zero ? limit : TimeSpan.Zero);
                    int read;
                    try
                    {
                        read = await ReceiveAsync(buffer.AsMemory(filled, ControlFraming.MaxRequestBytes + 1 - filled), deadline.Token);
                    }
                    catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
                    {
                        await output.AnswerAsync(Reply.Failure(ErrorCodes.Idle, filled == 0
                            ? $"no request within {options.Idle.TotalSeconds:F0} s (Control.IdleSeconds)"
                            : $"a request must arrive whole within {options.RequestDeadline.TotalSeconds:F0} s (Control.RequestSeconds)"));
                        return;
                    }

                    if (read == 0)
                    {
                        return;
                    }

                    requestStarted = filled == 0 ? Environment.TickCount64 : requestStarted;
                    filled += read;
                    continue;
                }

                var request = buffer.AsSpan(0, newline).ToArray();
                buffer.AsSpan(newline + 1, filled - newline - 1).CopyTo(buffer);
                filled -= newline + 1;
                requestStarted = Environment.TickCount64;
                // The descriptors that came since the last request belong to this one (the CLI sends one request per connection).
                var sent = call with { Descriptors = [.. _received], DescriptorsDropped = _dropped, CallerGone = output.Gone };
                _received.Clear();
                _dropped = false;
                try
                {
                    if (!await output.AnswerAsync(await RunAsync(request, sent)))
                    {
                        return;
                    }
                }
                finally
                {
                    foreach (var descriptor in sent.Descriptors)
                    {
                        UntrustedDescriptors.Close(descriptor);
                    }
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
            foreach (var descriptor in _received)
            {
                UntrustedDescriptors.Close(descriptor);
            }
        }
    }

    /// <summary>
    /// Waits for bytes (a peek, which leaves any descriptor in the kernel's queue), then takes them with
    /// <c>recvmsg</c>, so a descriptor the client sent (SCM_RIGHTS) is kept instead of dropped by a plain read.
    /// </summary>
    private async Task<int> ReceiveAsync(Memory<byte> into, CancellationToken cancellationToken)
    {
        var peek = new byte[1];
        while (true)
        {
            if (await socket.ReceiveAsync(peek, SocketFlags.Peek, cancellationToken) == 0)
            {
                return 0;
            }

            var read = DescriptorPassing.Receive(socket, into.Span, _received, out var truncated);
            _dropped |= truncated;
            // The kernel ends each read at a message that carries descriptors: a client sending its request a
            // byte at a time, each with more attached, would make the daemon hold four descriptors per byte
            // until the line ended, enough from a few connections to reach the daemon's limit. A request takes
            // at most MaxReceived; the rest are closed at once, and the request is refused for them.
            while (_received.Count > DescriptorPassing.MaxReceived)
            {
                UntrustedDescriptors.Close(_received[^1]);
                _received.RemoveAt(_received.Count - 1);
                _dropped = true;
            }

            if (read >= 0)
            {
                return read;
            }
        }
    }

    /// <summary>
    /// One request, with keep-alive lines while it runs. Not cancelled by the daemon's stop: what it
    /// started (a snapshot, a restore) ends on its own terms and says how.
    /// </summary>
    private async Task<Reply> RunAsync(byte[] request, ControlCall call)
    {
        var running = dispatcher.DispatchAsync(request, call, CancellationToken.None);
        while (await Task.WhenAny(running, Task.Delay(KeepAlive)) != running)
        {
            call.Output.KeepAlive();
        }

        try
        {
            return await running;
        }
#pragma warning disable CA1031 // Whatever a request's input made go wrong, the client gets an answer and the daemon goes on.
        catch (Exception e)
#pragma warning restore CA1031
        {
            if (journal.Allows(peer))
            {
                ControlLog.RequestFailed(logger, peer.Uid, e);
            }

            return Reply.Failure(ErrorCodes.Failed,
                $"the request could not be handled: {EtcdErrors.Plain(e.Message) ?? "an unexpected error (journalctl -u etcd-backupd has the details)"}");
        }
    }
}
