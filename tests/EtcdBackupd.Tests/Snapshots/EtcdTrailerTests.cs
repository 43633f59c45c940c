using System.Security.Cryptography;
using EtcdBackupd.Snapshots;

namespace EtcdBackupd.Tests.Snapshots;

[Category("Fast")]
internal sealed class EtcdTrailerTests
{
    private static byte[] SnapshotOf(int dbBytes)
    {
        var db = RandomNumberGenerator.GetBytes(dbBytes);
        return [.. db, .. SHA256.HashData(db)];
    }

    [TestCase(1)]
    [TestCase(7)]
    [TestCase(31)]
    [TestCase(32)]
    [TestCase(33)]
    [TestCase(32 * 1024)]
    public void Matches_WhateverTheChunking_AcceptsAGoodTrailer(int chunk)
    {
        var snapshot = SnapshotOf(4096);
        using var trailer = new EtcdTrailer();

        foreach (var piece in snapshot.Chunk(chunk))
        {
            trailer.Append(piece);
        }

        Assert.That(trailer.Complete().TrailerMatches, Is.True);
    }

    [Test]
    public void Matches_OneFlippedBit_RefusesTheSnapshot()
    {
        var snapshot = SnapshotOf(4096);
        snapshot[1000] ^= 1;
        using var trailer = new EtcdTrailer();

        trailer.Append(snapshot);

        Assert.That(trailer.Complete().TrailerMatches, Is.False);
    }

    [Test]
    public void Matches_StreamCutBeforeTheTrailer_RefusesTheSnapshot()
    {
        var snapshot = SnapshotOf(8192);
        using var trailer = new EtcdTrailer();

        trailer.Append(snapshot.AsSpan(0, 4096));

        Assert.That(trailer.Complete().TrailerMatches, Is.False);
    }

    [Test]
    public void Matches_FewerThan32Bytes_RefusesTheSnapshot()
    {
        using var trailer = new EtcdTrailer();

        trailer.Append(new byte[10]);

        Assert.That(trailer.Complete().TrailerMatches, Is.False);
    }

    [TestCase(4096 + 32, true)]
    [TestCase(4096, false)]
    [TestCase(4096 + 33, false)]
    [TestCase(32, false)]
    public void HasSnapshotSize_IsPagesPlusTrailer(long size, bool expected) =>
        Assert.That(EtcdTrailer.HasSnapshotSize(size), Is.EqualTo(expected));

    [Test]
    public void Verify_FileOnDisk_ChecksTrailerAndSize()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, SnapshotOf(8192));
            Assert.That(EtcdTrailer.Verify(path, CancellationToken.None), Is.True);

            File.WriteAllBytes(path, SnapshotOf(8192)[..^1]);
            Assert.That(EtcdTrailer.Verify(path, CancellationToken.None), Is.False);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
