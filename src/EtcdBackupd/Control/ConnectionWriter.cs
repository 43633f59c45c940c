using System.Net.Sockets;
using System.Threading.Channels;

namespace EtcdBackupd.Control;

/// <summary>
/// The one writer of a connection: every line (events, then the final answer) goes through one queue
/// to the socket, in order, each with a deadline. Events are dropped when a slow reader lets the queue
/// fill; final answers wait for room. A client that does not read past the deadline is dropped: the
/// writer breaks, every later line is discarded, and the request it asked for runs on to its end.
/// </summary>
internal sealed class ConnectionWriter : IAsyncDisposable
{
    /// <summary>Enough for every step of a cluster restore; a snapshot's progress is one event per half second.</summary>
    private const int QueuedLines = 256;

    private readonly Socket _socket;
    private readonly TimeSpan _deadline;
    private readonly Channel<(byte[] Line, TaskCompletionSource<bool>? Written)> _queue =
        Channel.CreateBounded<(byte[], TaskCompletionSource<bool>?)>(new BoundedChannelOptions(QueuedLines) { SingleReader = true });

    private readonly Task _pump;
    private readonly CancellationTokenSource _gone = new();
    private volatile bool _broken;

    public ConnectionWriter(Socket socket, TimeSpan deadline)
    {
        _socket = socket;
        _deadline = deadline;
        _pump = Task.Run(PumpAsync);
    }

    /// <summary>
    /// Cancelled once a line cannot be written: the client closed the connection (a keep-alive goes out at
    /// least every 5 s while a request runs, so within about that) or stopped reading. A client that only
    /// shut down its sending side still reads, and is not gone.
    /// </summary>
    public CancellationToken Gone => _gone.Token;

    /// <summary>Queues a progress event; dropped when the queue is full or the client is gone.</summary>
    public void Event(ProgressEvent progress)
    {
        if (!_broken)
        {
            _queue.Writer.TryWrite((Reply.EventLine(progress), null));
        }
    }

    private static readonly byte[] KeepAliveLine = "{\"event\":\"keepalive\"}\n"u8.ToArray();

    /// <summary>Queues a keep-alive line (<c>{"event":"keepalive"}</c>); dropped like any event when the queue is full.</summary>
    public void KeepAlive()
    {
        if (!_broken)
        {
            _queue.Writer.TryWrite((KeepAliveLine, null));
        }
    }

    /// <summary>Writes a final answer after every event queued before it; false when the client is gone.</summary>
    public async Task<bool> AnswerAsync(Reply reply)
    {
        if (_broken)
        {
            return false;
        }

        var written = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            await _queue.Writer.WriteAsync((reply.ToLine(), written));
        }
        catch (ChannelClosedException)
        {
            return false;
        }

        return await written.Task;
    }

    private async Task PumpAsync()
    {
        await foreach (var (line, written) in _queue.Reader.ReadAllAsync())
        {
            var ok = !_broken && await TrySendAsync(line);
            if (!ok && !_broken)
            {
                _broken = true;
                await _gone.CancelAsync();
            }

            written?.TrySetResult(ok);
        }
    }

    private async Task<bool> TrySendAsync(byte[] line)
    {
        using var deadline = new CancellationTokenSource(_deadline);
        try
        {
            var sent = 0;
            while (sent < line.Length)
            {
                sent += await _socket.SendAsync(line.AsMemory(sent), SocketFlags.None, deadline.Token);
            }

            return true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _pump;
        _gone.Dispose();
    }
}
