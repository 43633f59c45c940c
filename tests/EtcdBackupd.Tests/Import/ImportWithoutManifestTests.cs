using EtcdBackupd.Import;
using EtcdBackupd.Protocol;
using EtcdBackupd.Restore;
using EtcdBackupd.Snapshots;
using EtcdBackupd.State;
using EtcdBackupd.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace EtcdBackupd.Tests.Import;

/// <summary>A file sent without its manifest, which etcd's tool must vouch for, in-process.</summary>
[Category("Fast")]
internal sealed class ImportWithoutManifestTests
{
    private static readonly DateTimeOffset Taken = new(2026, 11, 20, 3, 0, 0, TimeSpan.Zero);

    [Test]
    public void AFileWithoutManifest_WhoseToolCannotBeRun_IsNotCalledInvalid_AndTheAnswerNamesTheTool()
    {
        using var dir = new TempDirectory("import-no-tool");
        var sent = SyntheticSnapshots.Write(Directory.CreateDirectory(dir.Combine("sent")).FullName, Taken, withManifest: false);
        var directory = Directory.CreateDirectory(dir.Combine("snapshots")).FullName;
        var missing = dir.Combine("bin/etcdutl");
        using var importer = new SnapshotImporter(new SnapshotDirectory(directory), new RestoreOptions { Tool = missing },
            new SnapshotVerifier(new VerificationCache(Directory.CreateDirectory(dir.Combine("state")).FullName)), TimeProvider.System, NullLogger<SnapshotImporter>.Instance);
        using var handle = File.OpenHandle(sent);

        var refused = Assert.ThrowsAsync<ImportException>(() => importer.CheckAsync(handle, sent, null, CancellationToken.None));

        Assert.That(refused!.Code, Is.EqualTo(ErrorCodes.Failed), "the tool said nothing of the file: it is not invalid_snapshot");
        Assert.That(refused.Message, Does.Contain($"etcd's tool '{missing}' (Restore.Tool in the configuration) could not judge it").And.Contain("the file may be good"));
    }
}
