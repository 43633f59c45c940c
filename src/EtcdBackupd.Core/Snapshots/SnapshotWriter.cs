using System.Buffers.Binary;
using EtcdBackupd.FileSystem;

namespace EtcdBackupd.Snapshots;

/// <summary>
/// What the snapshot response's body is copied into: it cuts the body into gRPC messages (a flag byte and
/// a 4-byte length each), and hashes and writes each message's blob. Called with whatever the HTTP/2
/// stream has buffered; a message that arrives in pieces is gathered in one buffer kept for the stream,
/// so nothing is allocated per message.
/// </summary>
internal sealed class SnapshotWriter(FileStream file, EtcdTrailer trailer, Action<long>? onWritten) : Stream
{
    private const int FrameHeaderLength = 5;

    /// <summary>etcd sends 32 KiB blobs; the same limit as the gRPC channel's, far above them.</summary>
    private const int MaxMessageLength = 16 * 1024 * 1024;

    private readonly Writeback _writeback = new(file.SafeFileHandle);
    private readonly byte[] _header = new byte[FrameHeaderLength];
    private byte[] _message = new byte[64 * 1024];
    private int _headerCount;
    private int _messageLength = -1;
    private int _messageCount;

    public long Written { get; private set; }

    /// <summary>Whether the body ended between two messages, as a complete stream does.</summary>
    public bool AtMessageBoundary => _headerCount == 0 && _messageLength < 0;

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            if (_messageLength < 0)
            {
                var take = Math.Min(FrameHeaderLength - _headerCount, buffer.Length);
                buffer[..take].CopyTo(_header.AsSpan(_headerCount));
                _headerCount += take;
                buffer = buffer[take..];
                if (_headerCount == FrameHeaderLength)
                {
                    StartMessage();
                }

                continue;
            }

            if (_messageCount == 0 && buffer.Length >= _messageLength)
            {
                // The usual case: the whole message is in what the stream handed over; no copy.
                var length = _messageLength;
                WriteMessage(buffer[..length]);
                buffer = buffer[length..];
                continue;
            }

            var part = Math.Min(_messageLength - _messageCount, buffer.Length);
            buffer[..part].CopyTo(_message.AsSpan(_messageCount));
            _messageCount += part;
            buffer = buffer[part..];
            if (_messageCount == _messageLength)
            {
                WriteMessage(_message.AsSpan(0, _messageLength));
            }
        }
    }

    private void StartMessage()
    {
        if (_header[0] != 0)
        {
            throw new InvalidDataException("etcd sent a compressed snapshot message, which was not asked for");
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(_header.AsSpan(1));
        if (length > MaxMessageLength)
        {
            throw new InvalidDataException($"a snapshot message of {length} bytes is over the {MaxMessageLength}-byte limit");
        }

        _messageLength = (int)length;
        _messageCount = 0;
        if (_message.Length < _messageLength)
        {
            _message = new byte[_messageLength];
        }

        if (_messageLength == 0)
        {
            WriteMessage([]);
        }
    }

    private void WriteMessage(ReadOnlySpan<byte> message)
    {
        _headerCount = 0;
        _messageLength = -1;
        _messageCount = 0;
        var blob = SnapshotMessage.Blob(message);
        if (blob.IsEmpty)
        {
            return;
        }

        trailer.Append(blob);
        file.Write(blob);
        Written += blob.Length;
        _writeback.Advance(Written);
        onWritten?.Invoke(Written);
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    // Done on the caller's thread: hashing and a write to the page cache keep up with etcd's sender, while
    // the HTTP/2 connection goes on reading the socket into the stream's window on its own.
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
