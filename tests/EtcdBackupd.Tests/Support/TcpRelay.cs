using System.Net;
using System.Net.Sockets;

namespace EtcdBackupd.Tests.Support;

/// <summary>
/// A loopback TCP relay in front of a real server, which can be told to cut: once one connection has carried
/// <see cref="CutAfter"/> bytes from its client to the server, every connection open at that moment is reset
/// (RST, as a failing router or a killed load balancer does). It stays armed, so a client library's own
/// quick retry of a large request is cut too, while small requests on a fresh connection (a multipart
/// upload's abort) still reach the server. Not a cancellation: the client sees its socket fail.
/// </summary>
internal sealed class TcpRelay : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _server;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly List<(Socket Client, Socket Server)> _open = [];
    private readonly Task _accepting;
    private long _cutAfter = long.MaxValue;
    private long _cutResponsesAfter = long.MaxValue;
    private byte[]? _cutAnswerTo;
    private long _stallAfter = long.MaxValue;
    private long _newConnectionDelayTicks;
    private readonly TaskCompletionSource _stalled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _cuts;

    private TcpRelay(IPEndPoint server)
    {
        _server = server;
        _listener = new TcpListener(IPAddress.Loopback, EtcdCluster.FreePort());
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary><c>http://127.0.0.1:PORT/</c>: the server's address through the relay.</summary>
    public Uri Endpoint => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    /// <summary>How many times connections were reset.</summary>
    public int Cuts => Volatile.Read(ref _cuts);

    public static TcpRelay To(Uri server) => new(new IPEndPoint(IPAddress.Loopback, server.Port));

    /// <summary>From now on, resets every open connection whenever one has carried <paramref name="bytes"/> to the server.</summary>
    public void CutAfter(long bytes) => Interlocked.Exchange(ref _cutAfter, bytes);

    /// <summary>As <see cref="CutAfter"/>, counting what one connection carried from the server to its client: a large download is cut, small answers pass.</summary>
    public void CutResponsesAfter(long bytes) => Interlocked.Exchange(ref _cutResponsesAfter, bytes);

    /// <summary>
    /// From now on, resets the client's side of every open connection once a request containing <paramref name="marker"/> (ASCII)
    /// has been passed to the server: the server acts on it, the client never hears its answer, as when a link fails between the two.
    /// </summary>
    public void CutAnswerTo(string marker) => Volatile.Write(ref _cutAnswerTo, System.Text.Encoding.ASCII.GetBytes(marker));

    /// <summary>
    /// From now on, a connection that has carried <paramref name="bytes"/> to the server stops passing its client's bytes on:
    /// the client's writes fill its buffers and wait, as with a store that stopped reading. <see cref="Stalled"/> then completes.
    /// </summary>
    public void StallAfter(long bytes) => Interlocked.Exchange(ref _stallAfter, bytes);

    /// <summary>Completes when a connection first stalls (<see cref="StallAfter"/>).</summary>
    public Task Stalled => _stalled.Task;

    /// <summary>From now on, each new connection waits <paramref name="delay"/> before it reaches the server: a slow, far store.</summary>
    public void DelayNewConnections(TimeSpan delay) => Interlocked.Exchange(ref _newConnectionDelayTicks, delay.Ticks);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(Socket client)
    {
        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (Interlocked.Read(ref _newConnectionDelayTicks) is var delay and > 0)
            {
                await Task.Delay(TimeSpan.FromTicks(delay), _stop.Token);
            }

            await server.ConnectAsync(_server, _stop.Token);
            lock (_lock)
            {
                _open.Add((client, server));
            }

            await Task.WhenAny(PumpAsync(client, server, toServer: true), PumpAsync(server, client, toServer: false));
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The relay stopping, or the connection cut: either way this pair is done.
        }
        finally
        {
            lock (_lock)
            {
                _open.Remove((client, server));
            }

            Close(client, reset: false);
            Close(server, reset: false);
        }
    }

    private async Task PumpAsync(Socket from, Socket to, bool toServer)
    {
        long CutAfter() => Interlocked.Read(ref toServer ? ref _cutAfter : ref _cutResponsesAfter);
        var buffer = new byte[16 * 1024];
        long carried = 0;
        try
        {
            int n;
            while ((n = await from.ReceiveAsync(buffer, _stop.Token)) > 0)
            {
                await to.SendAsync(buffer.AsMemory(0, n), _stop.Token);
                if (toServer && Volatile.Read(ref _cutAnswerTo) is { } marker && buffer.AsSpan(0, n).IndexOf(marker) >= 0)
                {
                    // The clients' side only, at once: the server has the whole request and acts on it, its answer finds no one.
                    ResetAll(serversToo: false);
                    return;
                }

                if (toServer && carried + n >= Interlocked.Read(ref _stallAfter))
                {
                    // Hold: never read from the client again.
                    _stalled.TrySetResult();
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                }

                if ((carried += n) >= CutAfter())
                {
                    ResetAll();
                    return;
                }
            }

            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The other direction, or a cut, closed it.
        }
    }

    /// <summary>Every open pair, both sides, with RST rather than FIN: linger on, zero seconds.</summary>
    private void ResetAll(bool serversToo = true)
    {
        Interlocked.Increment(ref _cuts);
        List<(Socket Client, Socket Server)> open;
        lock (_lock)
        {
            open = [.. _open];
        }

        foreach (var (client, server) in open)
        {
            Close(client, reset: true);
            if (serversToo)
            {
                Close(server, reset: true);
            }
        }
    }

    private static void Close(Socket socket, bool reset)
    {
        try
        {
            if (reset)
            {
                socket.LingerState = new LingerOption(true, 0);
            }

            socket.Close();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already closed.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        ResetAll();
        _stop.Dispose();
    }
}
