using System.Buffers.Binary;
using System.Security.Cryptography;

namespace EtcdBackupd.Snapshots;

/// <summary>
/// Checks etcd's trailer while the stream goes by: a snapshot is the bbolt file followed by the 32-byte
/// SHA-256 of that file. Which bytes are the trailer is only known at the end of the stream, so the last
/// 32 bytes seen are held back from the hash until more arrive. The same single pass also yields the
/// SHA-256 of the whole file for the manifest: the hash of the db is read off midway, then the trailer
/// is added to it.
/// </summary>
internal sealed class EtcdTrailer : IDisposable
{
    public const int Length = 32;

    private readonly IncrementalHash _dbHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _held = new byte[Length];
    private int _heldCount;

    public void Append(ReadOnlySpan<byte> data)
    {
        if (data.Length >= Length)
        {
            _dbHash.AppendData(_held.AsSpan(0, _heldCount));
            _dbHash.AppendData(data[..^Length]);
            data[^Length..].CopyTo(_held);
            _heldCount = Length;
            return;
        }

        // A short piece: hash whatever no longer fits in the last 32 bytes, keep the rest.
        var total = _heldCount + data.Length;
        var spill = Math.Max(0, total - Length);
        _dbHash.AppendData(_held.AsSpan(0, spill));
        _held.AsSpan(spill, _heldCount - spill).CopyTo(_held);
        _heldCount -= spill;
        data.CopyTo(_held.AsSpan(_heldCount));
        _heldCount += data.Length;
    }

    /// <summary>Whether the last 32 bytes are the SHA-256 of everything before them, and the whole file's SHA-256.</summary>
    public (bool TrailerMatches, string FileSha256) Complete()
    {
        var db = _dbHash.GetCurrentHash();
        var matches = _heldCount == Length && CryptographicOperations.FixedTimeEquals(db, _held);
        _dbHash.AppendData(_held.AsSpan(0, _heldCount));
        _heldCount = 0;
        return (matches, Convert.ToHexStringLower(_dbHash.GetHashAndReset()));
    }

    /// <summary>How many of a file's first bytes <see cref="HasBoltHeader"/> reads.</summary>
    public const int HeaderLength = 24;

    /// <summary>
    /// Whether a file begins as every etcd snapshot does, with bbolt's first meta page: the page's flags say
    /// "meta" (0x04) and the meta its magic (0xED0CDAED) and format version 2, in bbolt's native byte order, little-endian
    /// on every machine this runs on.
    /// </summary>
    public static bool HasBoltHeader(ReadOnlySpan<byte> first) =>
        first.Length >= HeaderLength && BitConverter.IsLittleEndian
        && BinaryPrimitives.ReadUInt16LittleEndian(first[8..]) == 0x04
        && BinaryPrimitives.ReadUInt32LittleEndian(first[16..]) == 0xED0CDAED
        && BinaryPrimitives.ReadUInt32LittleEndian(first[20..]) == 2;

    /// <summary>A saved snapshot is a whole number of 512-byte units (bbolt pages) plus the trailer.</summary>
    public static bool HasSnapshotSize(long size) => size >= 512 + Length && size % 512 == Length;

    /// <summary>Verifies a snapshot file already on disk.</summary>
    public static bool Verify(string path, CancellationToken cancellationToken) => Check(path, cancellationToken).TrailerMatches;

    /// <summary>The trailer check and the SHA-256 of a snapshot file on disk; <see cref="FileSystem.NotARegularFileException"/> for anything but a regular file.</summary>
    public static (bool TrailerMatches, string FileSha256) Check(string path, CancellationToken cancellationToken)
    {
        using var trailer = new EtcdTrailer();
        using var file = FileSystem.RegularFile.OpenRead(path, 0);
        var sizeOk = HasSnapshotSize(file.Length);

        var buffer = new byte[1 << 20];
        int read;
        while ((read = file.Read(buffer)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            trailer.Append(buffer.AsSpan(0, read));
        }

        var (matches, sha) = trailer.Complete();
        return (matches && sizeOk, sha);
    }

    public void Dispose() => _dbHash.Dispose();
}
