using EtcdBackupd.Protocol.Descriptors;
using EtcdBackupd.Snapshots;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Cli;

/// <summary>How the CLI decides between naming a snapshot and sending the file itself, and what it sends along.</summary>
[Category("Fast")]
internal sealed class SentFilesTests
{
    [Test]
    public void Prepare_ABareSnapshotNameNotInTheWorkingDirectory_GoesByNameAsBefore()
    {
        using var sent = SentFiles.Prepare("etcd-snapshot-20261124T050000Z-m1-r1234.db", mustSend: false, out var problem);

        Assert.That(problem, Is.Null);
        Assert.That(sent!.Descriptor, Is.Null);
        Assert.That(sent.Handle, Is.Null);
        Assert.That(sent.File, Is.EqualTo("etcd-snapshot-20261124T050000Z-m1-r1234.db"));
    }

    [Test]
    public void Prepare_APathThatDoesNotExist_IsAProblemNamingIt()
    {
        var sent = SentFiles.Prepare("/nonexistent/offsite/snap.db", mustSend: false, out var problem);

        Assert.That(sent, Is.Null);
        Assert.That(problem, Does.StartWith("cannot open '/nonexistent/offsite/snap.db':").And.Contain("No such file"));
    }

    [Test]
    public void Prepare_APathOfOurNamingThatDoesNotExist_IsAProblemNamingWhy_NotANameForTheDaemonToLookFor()
    {
        const string typo = "/root/offsite/etcd-snapshot-20261124T050000Z-m1-r1234.db";

        var sent = SentFiles.Prepare(typo, mustSend: false, out var problem);

        Assert.That(sent, Is.Null, "the daemon would answer that it is no snapshot of its directory, which is not why");
        Assert.That(problem, Does.StartWith($"cannot open '{typo}':").And.Contain("No such file"));
    }

    [Test]
    public void Prepare_ImportOfABareNameThatCannotBeOpened_IsAProblemNotANameToResolve()
    {
        var sent = SentFiles.Prepare("etcd-snapshot-20261124T050000Z-m1-r1234.db", mustSend: true, out var problem);

        Assert.That(sent, Is.Null);
        Assert.That(problem, Does.Contain("cannot open"));
    }

    [Test]
    public void Prepare_AFileWithAManifestBesideIt_SendsTheFileAndTheManifest()
    {
        using var dir = new TempDirectory("sent-files");
        var path = SyntheticSnapshots.Write(dir.Path, DateTimeOffset.UtcNow, withManifest: true);

        using var sent = SentFiles.Prepare(path, mustSend: false, out var problem);

        Assert.That(problem, Is.Null);
        Assert.That(sent!.Handle, Is.Not.Null);
        Assert.That(sent.File, Is.EqualTo(path));
        Assert.That(sent.Descriptor!.Manifest!.Sha256, Is.EqualTo(ManifestFile.TryRead(SnapshotFileName.ManifestOf(path))!.Sha256));
    }

    [Test]
    public void Prepare_AManifestBesideItThatIsAFifo_IsIgnoredWithoutWaiting()
    {
        using var dir = new TempDirectory("sent-files");
        var path = dir.Combine("snap.db");
        File.WriteAllBytes(path, new byte[512 + 32]);
        Assert.That(ProcessRunner.RunAsync("mkfifo", [dir.Combine("snap.json")]).GetAwaiter().GetResult().ExitCode, Is.Zero);

        using var sent = SentFiles.Prepare(path, mustSend: false, out var problem);

        Assert.That(problem, Is.Null);
        Assert.That(sent!.Descriptor!.Manifest, Is.Null);
    }
}
