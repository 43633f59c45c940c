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
    /// <summary>A snapshot as a source sends it (its bytes, its manifest and the manifest's bytes), to be placed in <see cref="Here"/>.</summary>
    private sealed record Fetch(string Here, byte[] Bytes, SnapshotManifest Manifest, byte[] ManifestBytes)
    {
        public string Local => Path.Combine(Here, Manifest.FileName);

        public Task PlaceAsync(Stream input, CopySource source) => new SnapshotPlacement(Here, new SnapshotVerifier(), TimeProvider.System)
            .PlaceAsync(input, Local, Manifest, ManifestBytes, source, null, CancellationToken.None);
    }

    /// <summary>A snapshot written elsewhere in <paramref name="run"/>, fetched into <paramref name="here"/> (made when missing).</summary>
    private static Fetch Arrange(TempDirectory run, string here, int dbBytes = 4096 * 2)
    {
        var path = SyntheticSnapshots.Write(Directory.CreateDirectory(run.Combine("source")).FullName, DateTimeOffset.UtcNow, withManifest: true, dbBytes: dbBytes);
        var manifestBytes = File.ReadAllBytes(SnapshotFileName.ManifestOf(path));
        return new Fetch(Directory.CreateDirectory(here).FullName, File.ReadAllBytes(path), SnapshotManifest.FromJson(manifestBytes)!, manifestBytes);
    }

    [Test]
    public async Task PlaceAsync_WithAPeersPushOfTheSameNameUnderWay_LeavesItsPartialAlone()
    {
        using var run = new TempDirectory("placement");
        var fetch = Arrange(run, run.Combine("here"));
        var pushed = PartialFiles.Of(fetch.Local);
        File.WriteAllBytes(pushed, [1, 2, 3]);

        await fetch.PlaceAsync(new MemoryStream(fetch.Bytes), CopySource.Peer);

        Assert.That(File.ReadAllBytes(fetch.Local), Is.EqualTo(fetch.Bytes));
        Assert.That(File.ReadAllBytes(pushed), Is.EqualTo(new byte[] { 1, 2, 3 }), "the peer's partial is neither deleted nor written");
        Assert.That(Directory.GetFiles(fetch.Here).Select(Path.GetFileName).Order(),
            Is.EqualTo(new[] { Path.GetFileName(pushed), fetch.Manifest.FileName, SnapshotFileName.ManifestOf(fetch.Manifest.FileName) }.Order()));
    }

    [Test]
    public async Task PlaceAsync_WhenAnImportPlacesTheSameSnapshotMeanwhile_KeepsThatManifestAndItsPin()
    {
        using var run = new TempDirectory("placement");
        var fetch = Arrange(run, run.Combine("here"));
        var pinned = (fetch.Manifest with { Pin = new SnapshotPin("pre-upgrade", DateTimeOffset.UtcNow) }).ToJson();
        // The import lands while the fetch's bytes are still arriving.
        var input = new CallbackStream(fetch.Bytes, () =>
        {
            File.WriteAllBytes(SnapshotFileName.ManifestOf(fetch.Local), pinned);
            File.WriteAllBytes(fetch.Local, fetch.Bytes);
        });

        await fetch.PlaceAsync(input, CopySource.Peer);

        Assert.That(File.ReadAllBytes(SnapshotFileName.ManifestOf(fetch.Local)), Is.EqualTo(pinned), "the import's manifest, pin and all");
        Assert.That(Directory.GetFiles(fetch.Here).Select(Path.GetFileName).Order(),
            Is.EqualTo(new[] { fetch.Manifest.FileName, SnapshotFileName.ManifestOf(fetch.Manifest.FileName) }.Order()), "no partial left");
    }

    [Test]
    public async Task PlaceAsync_WhenTheDiskFillsMidCopy_FailsNoSpaceBlamingThisDiskAndLeavesNothing()
    {
        using var run = new TempDirectory("placement");
        await using var disk = await Tmpfs.MountAsync(run.Combine("here"), "1m");
        var fetch = Arrange(run, disk.Path, dbBytes: 2 << 20);

        var e = Assert.ThrowsAsync<FetchException>(() => fetch.PlaceAsync(new MemoryStream(fetch.Bytes), CopySource.Offsite));

        Assert.That(e!.Failure, Is.EqualTo(FetchFailure.NoSpace));
        Assert.That(e.Message, Is.EqualTo($"{disk.Path} filled up while the off-site copy of {fetch.Manifest.FileName} was written; nothing was kept"));
        Assert.That(Directory.GetFileSystemEntries(disk.Path), Is.Empty);
    }

    [Test]
    public async Task PlaceAsync_IntoADirectoryRemountedReadOnly_FailsWriteFailedBlamingThisDiskNotTheSource()
    {
        using var run = new TempDirectory("placement");
        await using var disk = await Tmpfs.MountAsync(run.Combine("here"), "4m");
        var fetch = Arrange(run, disk.Path);
        // What ext4's errors=remount-ro does to a disk that went bad.
        await disk.RemountReadOnlyAsync();

        var e = Assert.ThrowsAsync<FetchException>(() => fetch.PlaceAsync(new MemoryStream(fetch.Bytes), CopySource.Peer));

        Assert.That(e!.Failure, Is.EqualTo(FetchFailure.WriteFailed));
        Assert.That(e.Message, Does.StartWith($"{fetch.Manifest.FileName} could not be written into {disk.Path} (")
            .And.EndWith("this master's disk, not the peer's, failed, so no other source was asked; nothing was kept"));
    }

    [Test]
    public async Task PlaceAsync_WhenTheSourceFailsMidRead_PassesItsErrorOnForTheNextSourceAndLeavesNothing()
    {
        using var run = new TempDirectory("placement");
        var fetch = Arrange(run, run.Combine("here"));
        var input = new CallbackStream(fetch.Bytes, () => throw new IOException("Connection reset by peer"));

        var e = Assert.ThrowsAsync<IOException>(() => fetch.PlaceAsync(input, CopySource.Peer));

        Assert.That(e!.Message, Is.EqualTo("Connection reset by peer"));
        Assert.That(Directory.GetFileSystemEntries(fetch.Here), Is.Empty);
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
