using EtcdBackupd.Fetch;
using EtcdBackupd.Snapshots;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Fetch;

/// <summary>
/// How a fetched snapshot enters the directory when something else writes there too: a peer pushing the
/// same name, an import placing it first, a disk that fills mid-copy. In process, on real files.
/// </summary>
[Category("Fast")]
internal sealed class SnapshotPlacementTests
{
    /// <summary>A snapshot elsewhere in <paramref name="run"/>, as a source would send it: its bytes, its manifest, and the manifest's bytes.</summary>
    private static (byte[] Bytes, SnapshotManifest Manifest, byte[] ManifestBytes) Source(TempDirectory run, int dbBytes = 4096 * 2)
    {
        var path = SyntheticSnapshots.Write(Directory.CreateDirectory(run.Combine("source")).FullName, DateTimeOffset.UtcNow, withManifest: true, dbBytes: dbBytes);
        var manifestBytes = File.ReadAllBytes(SnapshotFileName.ManifestOf(path));
        return (File.ReadAllBytes(path), SnapshotManifest.FromJson(manifestBytes)!, manifestBytes);
    }

    [Test]
    public async Task PlaceAsync_WithAPeersPushOfTheSameNameUnderWay_LeavesItsPartialAlone()
    {
        using var run = new TempDirectory("placement");
        var (bytes, manifest, manifestBytes) = Source(run);
        var here = Directory.CreateDirectory(run.Combine("here")).FullName;
        var local = Path.Combine(here, manifest.FileName);
        var pushed = PartialFiles.Of(local);
        File.WriteAllBytes(pushed, [1, 2, 3]);

        await new SnapshotPlacement(here, new SnapshotVerifier(), TimeProvider.System)
            .PlaceAsync(new MemoryStream(bytes), local, manifest, manifestBytes, CopySource.Peer, null, CancellationToken.None);

        Assert.That(File.ReadAllBytes(local), Is.EqualTo(bytes));
        Assert.That(File.ReadAllBytes(pushed), Is.EqualTo(new byte[] { 1, 2, 3 }), "the peer's partial is neither deleted nor written");
        Assert.That(Directory.GetFiles(here).Select(Path.GetFileName).Order(),
            Is.EqualTo(new[] { Path.GetFileName(pushed), manifest.FileName, SnapshotFileName.ManifestOf(manifest.FileName) }.Order()));
    }

    [Test]
    public async Task PlaceAsync_WhenAnImportPlacesTheSameSnapshotMeanwhile_KeepsThatManifestAndItsPin()
    {
        using var run = new TempDirectory("placement");
        var (bytes, manifest, manifestBytes) = Source(run);
        var here = Directory.CreateDirectory(run.Combine("here")).FullName;
        var local = Path.Combine(here, manifest.FileName);
        var pinned = (manifest with { Pin = new SnapshotPin("pre-upgrade", DateTimeOffset.UtcNow) }).ToJson();
        // The import lands while the fetch's bytes are still arriving.
        var input = new CallbackStream(bytes, () =>
        {
            File.WriteAllBytes(SnapshotFileName.ManifestOf(local), pinned);
            File.WriteAllBytes(local, bytes);
        });

        await new SnapshotPlacement(here, new SnapshotVerifier(), TimeProvider.System)
            .PlaceAsync(input, local, manifest, manifestBytes, CopySource.Peer, null, CancellationToken.None);

        Assert.That(File.ReadAllBytes(SnapshotFileName.ManifestOf(local)), Is.EqualTo(pinned), "the import's manifest, pin and all");
        Assert.That(Directory.GetFiles(here).Select(Path.GetFileName).Order(),
            Is.EqualTo(new[] { manifest.FileName, SnapshotFileName.ManifestOf(manifest.FileName) }.Order()), "no partial left");
    }

    [Test]
    public async Task PlaceAsync_WhenTheDiskFillsMidCopy_FailsNoSpaceBlamingThisDiskAndLeavesNothing()
    {
        using var run = new TempDirectory("placement");
        var (bytes, manifest, manifestBytes) = Source(run, dbBytes: 2 << 20);
        await using var disk = await Tmpfs.MountAsync(run.Combine("here"), "1m");
        var local = Path.Combine(disk.Path, manifest.FileName);

        var e = Assert.ThrowsAsync<FetchException>(() => new SnapshotPlacement(disk.Path, new SnapshotVerifier(), TimeProvider.System)
            .PlaceAsync(new MemoryStream(bytes), local, manifest, manifestBytes, CopySource.Offsite, null, CancellationToken.None));

        Assert.That(e!.Failure, Is.EqualTo(FetchFailure.NoSpace));
        Assert.That(e.Message, Is.EqualTo($"{disk.Path} filled up while the off-site copy of {manifest.FileName} was written; nothing was kept"));
        Assert.That(Directory.GetFileSystemEntries(disk.Path), Is.Empty);
    }

    /// <summary>A source that runs <paramref name="first"/> once, after handing out its first bytes.</summary>
    private sealed class CallbackStream(byte[] bytes, Action first) : MemoryStream(bytes)
    {
        private Action? _first = first;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await base.ReadAsync(buffer[..Math.Min(buffer.Length, 4096)], cancellationToken);
            Interlocked.Exchange(ref _first, null)?.Invoke();
            return read;
        }
    }
}
