using EtcdBackupd.Etcd.Protocol;

namespace EtcdBackupd.Snapshots;

/// <summary>
/// Reads the blob out of one serialized <c>SnapshotResponse</c> where it lies, without a protobuf object:
/// a 5 GB database arrives as 160,000 such messages, and one object each was garbage the collector let
/// pile up (issue 18).
/// </summary>
internal static class SnapshotMessage
{
    /// <summary>The message's <c>blob</c> (the last one, as protobuf reads a repeated scalar field), or empty.</summary>
    public static ReadOnlySpan<byte> Blob(ReadOnlySpan<byte> message)
    {
        var blob = ReadOnlySpan<byte>.Empty;
        while (!message.IsEmpty)
        {
            var tag = ReadVarint(ref message);
            switch ((int)(tag & 7))
            {
                case 0:
                    ReadVarint(ref message);
                    break;
                case 1:
                    message = Skip(message, 8);
                    break;
                case 5:
                    message = Skip(message, 4);
                    break;
                case 2:
                    var length = ReadVarint(ref message);
                    if (length > (ulong)message.Length)
                    {
                        throw new InvalidDataException("truncated field in a snapshot message");
                    }

                    if ((int)(tag >> 3) == SnapshotResponse.BlobFieldNumber)
                    {
                        blob = message[..(int)length];
                    }

                    message = message[(int)length..];
                    break;
                default:
                    throw new InvalidDataException($"unexpected protobuf wire type in a snapshot message: tag {tag}");
            }
        }

        return blob;
    }

    private static ReadOnlySpan<byte> Skip(ReadOnlySpan<byte> message, int count) =>
        count <= message.Length ? message[count..] : throw new InvalidDataException("truncated fixed-size field in a snapshot message");

    private static ulong ReadVarint(ref ReadOnlySpan<byte> message)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64 && !message.IsEmpty; shift += 7)
        {
            var b = message[0];
            message = message[1..];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new InvalidDataException("truncated or malformed varint in a snapshot message");
    }
}
