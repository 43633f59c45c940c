using ZstdSharp;

namespace EtcdBackupd.Offsite.Codec;

/// <summary>
/// The readable end of the decoding chain. zstd's own errors become <see cref="OffsiteCodecException"/>s
/// with a sentence for the operator; an empty object is truncated, not an empty snapshot.
/// Disposing releases the layers and leaves the source open.
/// </summary>
internal sealed class DecodingStream(Stream top, CountingStream? compressed, IReadOnlyList<Stream> layers) : ReadOnlyStream
{
    protected override async ValueTask<int> ReadCoreAsync(Memory<byte> destination, bool async, CancellationToken cancellationToken)
    {
        int read;
        try
        {
            read = async ? await top.ReadAsync(destination, cancellationToken) : top.Read(destination.Span);
        }
        catch (ZstdException e)
        {
            throw new OffsiteCodecException(OffsiteCodecFailure.CompressedDataInvalid,
                $"The copy's compressed data cannot be decompressed: {e.Message} (the copy is damaged, or was not written by etcd-backupd).", e);
        }
        catch (EndOfStreamException e)
        {
            throw new OffsiteCodecException(OffsiteCodecFailure.Truncated,
                "The copy is truncated: its compressed data ends in the middle of a zstd frame.", e);
        }
        if (read == 0 && destination.Length > 0 && compressed is { BytesRead: 0 })
        {
            throw new OffsiteCodecException(OffsiteCodecFailure.Truncated,
                "The copy is empty: it holds no compressed data at all (an interrupted upload?).");
        }
        return read;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var layer in layers)
                layer.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>Counts what is read through it, so an empty compressed object can be told from an empty frame.</summary>
internal sealed class CountingStream(Stream inner) : ReadOnlyStream
{
    public long BytesRead { get; private set; }

    protected override async ValueTask<int> ReadCoreAsync(Memory<byte> destination, bool async, CancellationToken cancellationToken)
    {
        var read = async ? await inner.ReadAsync(destination, cancellationToken) : inner.Read(destination.Span);
        BytesRead += read;
        return read;
    }
}
