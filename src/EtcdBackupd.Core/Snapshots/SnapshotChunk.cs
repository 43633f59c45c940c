using System.Buffers;
using EtcdBackupd.Etcd.Protocol;
using Google.Protobuf;
using Grpc.Core;

namespace EtcdBackupd.Snapshots;

/// <summary>
/// One <c>SnapshotResponse</c> blob in a buffer from the stream's own pool. A 1 GiB database arrives as
/// about 33,000 such messages: parsing them by hand into reused buffers, instead of into a fresh
/// <c>ByteString</c> each, keeps the garbage collector (and so the daemon's memory) out of the picture.
/// The pool belongs to one stream because each message may arrive on another thread-pool thread, and
/// the shared pool, which keeps arrays per thread, handles that by dropping arrays and allocating new ones.
/// </summary>
internal sealed class SnapshotChunk
{
    private static readonly SnapshotChunk Empty = new(null, []);
    private readonly Pool? _pool;
    private readonly byte[] _buffer;
    private bool _inPool;

    private SnapshotChunk(Pool? pool, byte[] buffer)
    {
        _pool = pool;
        _buffer = buffer;
    }

    public int Length { get; private set; }

    public ReadOnlySpan<byte> Span => _buffer.AsSpan(0, Length);

    /// <summary><c>etcdserverpb.Maintenance/Snapshot</c> with this type as its response, for one stream.</summary>
    public static Method<SnapshotRequest, SnapshotChunk> CreateMethod(Pool pool) => new(
        MethodType.ServerStreaming, "etcdserverpb.Maintenance", "Snapshot",
        Marshallers.Create(r => r.ToByteArray(), SnapshotRequest.Parser.ParseFrom),
        new Marshaller<SnapshotChunk>(
            (_, _) => throw new NotSupportedException("etcd-backupd never sends snapshot chunks"), c => Parse(c, pool)));

    /// <summary>Back to the stream's pool; the chunk must not be read afterwards.</summary>
    public void Return() => _pool?.Return(this);

    /// <summary>
    /// Chunks for one stream, buffer and all: as many as can be in flight are kept, so once each has been
    /// used, a message costs no allocation at all (issue 18: a new object per message was garbage the
    /// collector let pile up for gigabytes). A larger blob than etcd sends gets a chunk of its own.
    /// </summary>
    internal sealed class Pool(int keep)
    {
        private const int BlobSize = 32 * 1024;
        private readonly System.Collections.Concurrent.ConcurrentQueue<SnapshotChunk> _free = [];

        public SnapshotChunk Rent(int length)
        {
            var chunk = length <= BlobSize && _free.TryDequeue(out var free) ? free : new SnapshotChunk(this, new byte[Math.Max(length, BlobSize)]);
            chunk.Length = length;
            chunk._inPool = false;
            return chunk;
        }

        public void Return(SnapshotChunk chunk)
        {
            // Returned twice, a chunk would be handed out to two messages at once.
            if (!chunk._inPool && chunk._buffer.Length == BlobSize && _free.Count < keep)
            {
                chunk.Length = 0;
                chunk._inPool = true;
                _free.Enqueue(chunk);
            }
        }
    }

    private static SnapshotChunk Parse(DeserializationContext context, Pool pool)
    {
        var reader = new SequenceReader<byte>(context.PayloadAsReadOnlySequence());
        SnapshotChunk? chunk = null;
        while (!reader.End)
        {
            var tag = ReadVarint(ref reader);
            var field = (int)(tag >> 3);
            switch ((int)(tag & 7))
            {
                case 0:
                    ReadVarint(ref reader);
                    break;
                case 1:
                    reader.Advance(8);
                    break;
                case 5:
                    reader.Advance(4);
                    break;
                case 2:
                    var length = checked((int)ReadVarint(ref reader));
                    if (field == SnapshotResponse.BlobFieldNumber)
                    {
                        chunk?.Return();
                        chunk = pool.Rent(length);
                        if (!reader.TryCopyTo(chunk._buffer.AsSpan(0, length)))
                        {
                            chunk.Return();
                            throw new InvalidDataException("truncated snapshot message");
                        }
                    }

                    reader.Advance(length);
                    break;
                default:
                    throw new InvalidDataException($"unexpected protobuf wire type in a snapshot message: tag {tag}");
            }
        }

        return chunk ?? Empty;
    }

    private static ulong ReadVarint(ref SequenceReader<byte> reader)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (!reader.TryRead(out var b))
            {
                throw new InvalidDataException("truncated varint in a snapshot message");
            }

            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new InvalidDataException("malformed varint in a snapshot message");
    }
}
