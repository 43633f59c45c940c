namespace EtcdBackupd.Offsite.Age;

/// <summary>
/// A small read buffer in front of the encrypted source, so the header can be read line by line
/// without reading past it. Each method serves the sync and the async path: with
/// <c>async: false</c> the returned task has always completed.
/// </summary>
internal sealed class SourceReader(Stream source)
{
    private readonly byte[] _buffer = new byte[4096];
    private int _position;
    private int _length;

    public async ValueTask<int> ReadByteAsync(bool async, CancellationToken cancellationToken)
    {
        if (_position == _length)
        {
            _position = 0;
            _length = async
                ? await source.ReadAsync(_buffer, cancellationToken)
                : source.Read(_buffer);
            if (_length == 0)
                return -1;
        }
        return _buffer[_position++];
    }

    /// <summary>Reads until <paramref name="destination"/> is full or the source ends; returns the count.</summary>
    public async ValueTask<int> ReadFullAsync(Memory<byte> destination, bool async, CancellationToken cancellationToken)
    {
        var total = 0;
        if (_position < _length)
        {
            total = Math.Min(destination.Length, _length - _position);
            _buffer.AsMemory(_position, total).CopyTo(destination);
            _position += total;
        }
        while (total < destination.Length)
        {
            var read = async
                ? await source.ReadAsync(destination[total..], cancellationToken)
                : source.Read(destination.Span[total..]);
            if (read == 0)
                break;
            total += read;
        }
        return total;
    }
}
