namespace EtcdBackupd.Offsite.Codec;

/// <summary>
/// A forward-only readable stream whose sync and async reads share one implementation: with
/// <c>async: false</c> the core never awaits anything incomplete.
/// </summary>
internal abstract class ReadOnlyStream : Stream
{
    protected abstract ValueTask<int> ReadCoreAsync(Memory<byte> destination, bool async, CancellationToken cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => Sync(ReadCoreAsync(buffer.AsMemory(offset, count), async: false, CancellationToken.None));

    public override int Read(Span<byte> buffer)
    {
        // The sync path reads through a pooled array: the core works on Memory<byte>.
        var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            var read = Sync(ReadCoreAsync(rented.AsMemory(0, buffer.Length), async: false, CancellationToken.None));
            rented.AsSpan(0, read).CopyTo(buffer);
            return read;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static int Sync(ValueTask<int> task) => task.IsCompleted ? task.Result : task.AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ReadCoreAsync(buffer, async: true, cancellationToken);

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
