using System.Buffers;
using System.Runtime.CompilerServices;

namespace EtcdBackupd.Etcd;

/// <summary>
/// Sits under an HTTP/2 connection to etcd and reads from the socket in 256 KiB gulps. SocketsHttpHandler
/// reads a frame or so at a time (8 KiB on average): a snapshot took 103,000 <c>recvfrom</c> calls for
/// 853 MiB, and with this 19,000, for about a twentieth of its CPU time (bench/snapshot/RESULTS.md).
/// </summary>
/// <remarks>
/// The buffer is rented only while bytes are waiting in it and goes back to the shared pool once they are
/// all handed out, so an idle connection holds none. A read of at least the buffer's size, and a zero-byte
/// read (a wait for data that holds no buffer), go straight to the socket.
/// </remarks>
internal sealed class ReceiveBufferStream(Stream inner) : Stream
{
    internal const int BufferSize = 256 * 1024;
    private byte[]? _buffer;
    private int _start, _end;

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> destination)
    {
        if (_buffer is not null)
        {
            return HandOut(destination);
        }

        if (destination.Length == 0 || destination.Length >= BufferSize)
        {
            return inner.Read(destination);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        int count;
        try
        {
            count = inner.Read(buffer, 0, BufferSize);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }

        return Filled(buffer, count, destination.Length) ?? HandOut(destination);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        if (_buffer is not null)
        {
            return new ValueTask<int>(HandOut(destination.Span));
        }

        if (destination.Length == 0 || destination.Length >= BufferSize)
        {
            return inner.ReadAsync(destination, cancellationToken);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        var read = inner.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken);
        return read.IsCompletedSuccessfully
            ? new ValueTask<int>(Filled(buffer, read.Result, destination.Length) ?? HandOut(destination.Span))
            : FillAsync(buffer, read, destination);
    }

    // Pooled: a snapshot waits for the socket thousands of times, and a box per wait was garbage per MiB.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> FillAsync(byte[] buffer, ValueTask<int> read, Memory<byte> destination)
    {
        int count;
        try
        {
            count = await read.ConfigureAwait(false);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }

        return Filled(buffer, count, destination.Length) ?? HandOut(destination.Span);
    }

    /// <summary>Keeps what the socket gave; returns 0 at its end (or for an empty read), else null.</summary>
    private int? Filled(byte[] buffer, int count, int wanted)
    {
        if (count == 0 || wanted == 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return 0;
        }

        (_buffer, _start, _end) = (buffer, 0, count);
        return null;
    }

    private int HandOut(Span<byte> destination)
    {
        var n = Math.Min(destination.Length, _end - _start);
        _buffer.AsSpan(_start, n).CopyTo(destination);
        _start += n;
        if (_start == _end)
        {
            ArrayPool<byte>.Shared.Return(_buffer!);
            _buffer = null;
        }

        return n;
    }

    public override void Flush() => inner.Flush();
    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
    public override void Write(ReadOnlySpan<byte> source) => inner.Write(source);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
        => inner.WriteAsync(source, cancellationToken);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // The connection disposes its stream from another thread to end a read in progress: a buffer
            // still held is left to the collector, never returned to the pool while a read may use it.
            inner.Dispose();
            _buffer = null;
        }

        base.Dispose(disposing);
    }
}
