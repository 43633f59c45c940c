namespace EtcdBackupd.Offsite.Codec;

/// <summary>
/// The writable end of the encoding chain: writes go to the top layer; disposing completes the
/// layers top down (zstd's frame end into age, then age's final chunk into the sink) and leaves
/// the sink open. After a failed write nothing more is completed, so a copy cut short never looks whole.
/// </summary>
internal sealed class EncodingStream(Stream top, IReadOnlyList<Stream> layers, SinkGate gate) : WriteOnlyStream
{
    private bool _broken;
    private bool _completed;

    /// <summary>
    /// Gives the copy up (the source failed, or the upload was cancelled): releases the codec's memory and
    /// zstd's worker threads at once, and nothing more reaches the sink.
    /// </summary>
    public async ValueTask AbandonAsync()
    {
        _broken = true;
        await DisposeAsync();
    }

    protected override async ValueTask WriteCoreAsync(ReadOnlyMemory<byte> data, bool async, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        try
        {
            if (async)
                await top.WriteAsync(data, cancellationToken);
            else
                top.Write(data.Span);
        }
        catch
        {
            _broken = true;
            throw;
        }
    }

    protected override async ValueTask CompleteAsync(bool async)
    {
        if (_completed)
            return;
        _completed = true;
        if (_broken)
        {
            // Whichever layer failed, nothing zstd flushes now may reach the sink, and age must not seal a final chunk.
            gate.Shut();
            foreach (var age in layers.OfType<Age.AgeEncryptingStream>())
                age.Abandon();
        }
        foreach (var layer in layers)
        {
            try
            {
                if (async)
                    await layer.DisposeAsync();
                else
                    layer.Dispose();
            }
            catch when (_broken)
            {
                // The write that broke the copy has already been reported; this layer is only released.
            }
            catch
            {
                _broken = true;
                throw;
            }
        }
    }
}
