using System.Security.Cryptography;
using EtcdBackupd.FileSystem;
using EtcdBackupd.Tests.Support;
using Microsoft.Win32.SafeHandles;

namespace EtcdBackupd.Tests.FileSystem;

/// <summary>
/// A snapshot's bytes reach the file exactly as received, whatever the sizes of the pieces, around the page
/// cache or through it, and a full disk is an error that says so.
/// </summary>
[Category("Fast")]
internal sealed class StreamingFileWriterTests
{
    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory("streaming-writer");

    [TearDown]
    public void TearDown() => _dir.Dispose();

    /// <summary>Pieces of 32 KiB (etcd's), odd sizes straddling the 1 MiB buffer and the 4 KiB alignment, and a tail.</summary>
    private static readonly int[] PieceSizes = [32 * 1024, 1, 4095, 4097, 1 << 20, (1 << 20) + 1, 32 * 1024, 17, 700_000];

    private static byte[] Pieces()
    {
        var data = new byte[PieceSizes.Sum() * 3 + 33];
        new Random(18).NextBytes(data);
        return data;
    }

    private static IEnumerable<ReadOnlyMemory<byte>> Split(byte[] data)
    {
        var offset = 0;
        for (var i = 0; offset < data.Length; i++)
        {
            var n = Math.Min(PieceSizes[i % PieceSizes.Length], data.Length - offset);
            yield return data.AsMemory(offset, n);
            offset += n;
        }
    }

    private static bool WriteAll(SafeFileHandle handle, byte[] data, bool tryDirect)
    {
        using var writer = new StreamingFileWriter(handle, tryDirect);
        var direct = writer.IsDirect;
        foreach (var piece in Split(data))
        {
            writer.Write(piece.Span);
        }

        writer.Complete();
        return direct;
    }

    [TestCase(true)]
    [TestCase(false)]
    public void Write_PiecesOfAnySize_LeaveExactlyTheBytesReceivedOnDisk(bool tryDirect)
    {
        var data = Pieces();
        var path = _dir.Combine("snapshot.part");
        using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0))
        {
            var direct = WriteAll(file.SafeFileHandle, data, tryDirect);
            file.Flush(flushToDisk: true);
            Assert.That(direct, Is.EqualTo(tryDirect), "ext4 and tmpfs accept direct I/O; only the page-cache test writes through the cache");
        }

        Assert.That(SHA256.HashData(File.ReadAllBytes(path)), Is.EqualTo(SHA256.HashData(data)));
    }

    [Test]
    public void Write_ASmallFile_AllOfItBelowTheAlignment_IsWrittenWhole()
    {
        var path = _dir.Combine("small.part");
        using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0))
        using (var writer = new StreamingFileWriter(file.SafeFileHandle))
        {
            writer.Write("etcd"u8);
            writer.Complete();
        }

        Assert.That(File.ReadAllBytes(path), Is.EqualTo("etcd"u8.ToArray()));
    }

    [Test]
    public async Task Write_OnAFullDisk_ThrowsTheNoSpaceErrorTheEngineReportsAsDiskFull()
    {
        await using var tmpfs = await Tmpfs.MountAsync(_dir.Combine("small"), "1m");
        using var file = new FileStream(Path.Combine(tmpfs.Path, "snapshot.part"), FileMode.CreateNew, FileAccess.Write, FileShare.None, 0);

        var full = Assert.Throws<IOException>(() => WriteAll(file.SafeFileHandle, Pieces(), tryDirect: true));

        Assert.That(full!.HResult, Is.EqualTo(28), full.Message);
        Assert.That(full.Message, Does.Contain("No space left"));
    }
}
