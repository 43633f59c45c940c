using System.Diagnostics;
using EtcdBackupd.Import;
using EtcdBackupd.Protocol;
using EtcdBackupd.Protocol.Results;
using EtcdBackupd.Restore;
using EtcdBackupd.Snapshots;
using EtcdBackupd.State;
using EtcdBackupd.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace EtcdBackupd.Tests.Import;

/// <summary>An import whose name is taken while it places its copy (a fetch of the same snapshot), in-process.</summary>
[Category("Fast")]
internal sealed class ImportRaceTests
{
    private static readonly DateTimeOffset Taken = new(2026, 11, 20, 3, 0, 0, TimeSpan.Zero);

    [Test]
    public void ADifferentFilePlacedUnderTheNameMeanwhile_IsRefusedAsExists_AndKeepsItsOwnManifest()
    {
        using var dir = new TempDirectory("import-race");
        var sent = SyntheticSnapshots.Write(Directory.CreateDirectory(dir.Combine("sent")).FullName, Taken, withManifest: true);
        var directory = Directory.CreateDirectory(dir.Combine("snapshots")).FullName;
        var theirs = "";
        using var importer = Importer(dir, directory, () => theirs = SyntheticSnapshots.Write(directory, Taken, withManifest: true, dbBytes: 4096 * 3));

        var refused = Assert.ThrowsAsync<ImportException>(() => ImportAsync(importer, sent));

        Assert.That(refused!.Code, Is.EqualTo(ErrorCodes.Exists));
        var manifest = ManifestFile.TryRead(SnapshotFileName.ManifestOf(theirs));
        Assert.That(manifest?.Sha256, Is.EqualTo(EtcdTrailer.Check(theirs, CancellationToken.None).FileSha256), "the file placed meanwhile keeps the manifest that describes it");
    }

    [Test]
    public async Task TheSameFilePlacedUnderTheNameMeanwhile_IsAlreadyHere()
    {
        using var dir = new TempDirectory("import-race");
        var sent = SyntheticSnapshots.Write(Directory.CreateDirectory(dir.Combine("sent")).FullName, Taken, withManifest: true);
        var directory = Directory.CreateDirectory(dir.Combine("snapshots")).FullName;
        using var importer = Importer(dir, directory, () =>
        {
            File.Copy(sent, Path.Combine(directory, Path.GetFileName(sent)));
            File.Copy(SnapshotFileName.ManifestOf(sent), SnapshotFileName.ManifestOf(Path.Combine(directory, Path.GetFileName(sent))), overwrite: true);
        });

        var result = await ImportAsync(importer, sent);

        Assert.That((result.AlreadyHere, ManifestFile.TryRead(SnapshotFileName.ManifestOf(result.Path))?.Sha256), Is.EqualTo((true, result.Sha256)));
    }

    private static SnapshotImporter Importer(TempDirectory dir, string directory, Action placeMeanwhile) =>
        new(new SnapshotDirectory(directory), new RestoreOptions(), new SnapshotVerifier(new VerificationCache(Directory.CreateDirectory(dir.Combine("state")).FullName)),
            TimeProvider.System, NullLogger<SnapshotImporter>.Instance) { BeforeRename = placeMeanwhile };

    private static async Task<ImportResult> ImportAsync(SnapshotImporter importer, string sent)
    {
        using var handle = File.OpenHandle(sent);
        var manifest = ManifestFile.TryRead(SnapshotFileName.ManifestOf(sent));
        return await importer.ImportAsync(handle, sent, manifest, null, CancellationToken.None);
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task AnImportWhileAnotherProcessHoldsTheDirectory_PlacesNothingUntilItLetsGo()
    {
        using var dir = new TempDirectory("import-race");
        var sent = SyntheticSnapshots.Write(Directory.CreateDirectory(dir.Combine("sent")).FullName, Taken, withManifest: true);
        var directory = Directory.CreateDirectory(dir.Combine("snapshots")).FullName;
        var (held, seen) = (dir.Combine("held"), dir.Combine("seen"));
        // util-linux's flock(1) takes the same flock(2) on the directory that a fetch or an import takes while it places a snapshot,
        // and lists the directory just before it lets go. Three seconds: the import reaches its placement well within them.
        using var holder = Process.Start("flock", [directory, "-c", $"touch {held}; sleep 3; ls {directory} > {seen}"]);
        await Eventually.UntilAsync(() => File.Exists(held), TimeSpan.FromSeconds(10), "flock(1) holds the directory");
        using var importer = Importer(dir, directory, () => { });

        var result = await ImportAsync(importer, sent);
        await holder.WaitForExitAsync();

        Assert.That(await File.ReadAllTextAsync(seen), Does.Not.Contain(Path.GetFileName(result.Path)), "nothing was placed while the directory was held");
        Assert.That(File.Exists(result.Path) && File.Exists(SnapshotFileName.ManifestOf(result.Path)), Is.True);
    }
}
