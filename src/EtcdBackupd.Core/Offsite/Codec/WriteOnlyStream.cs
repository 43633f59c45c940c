namespace EtcdBackupd.Offsite.Codec;

/// <summary>
/// A forward-only writable stream whose sync and async paths share one implementation, and whose
/// disposal completes the output (sync or async, whichever the caller uses).
/// </summary>
internal abstract class WriteOnlyStream : Stream
{
    protected abstract ValueTask WriteCoreAsync(ReadOnlyMemory<byte> data, bool async, CancellationToken cancellationToken);

    /// <summary>Writes whatever ends the output; called once, by Dispose or DisposeAsync.</summary>
    protected abstract ValueTask CompleteAsync(bool async);

    public override void Write(byte[] buffer, int offset, int count) =>
        Sync(WriteCoreAsync(buffer.AsMemory(offset, count), async: false, CancellationToken.None));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            buffer.CopyTo(rented);
            Sync(WriteCoreAsync(rented.AsMemory(0, buffer.Length), async: false, CancellationToken.None));
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        WriteCoreAsync(buffer, async: true, cancellationToken);

    /// <summary>Nothing to push early: a chunk or a frame is only ever ended by disposing.</summary>
    public override void Flush() { }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            Sync(CompleteAsync(async: false));
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await CompleteAsync(async: true);
        await base.DisposeAsync();
    }

    private static void Sync(ValueTask task)
    {
        if (task.IsCompleted)
            task.GetAwaiter().GetResult();
        else
            task.AsTask().GetAwaiter().GetResult();
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
