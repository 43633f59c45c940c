using EtcdBackupd.Offsite;
using EtcdBackupd.Service;
using EtcdBackupd.Tests.Service;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Offsite;

internal sealed partial class OffsiteUploadTests
{
    [Test]
    [CancelAfter(180_000)]
    public async Task Snapshot_OneTargetWithoutItsBucket_IsSavedWithTheGoodTargetsCopyAndReportsTheFailedOne()
    {
        await using var cluster = await EtcdCluster.StartAsync(EtcdBinaries.V34, 1);
        using var run = new TempDirectory("snapshot-offsite");
        var good = await BucketAsync("snap");
        var offsite = new OffsiteOptions { Targets = [Target("good", good), Target("gone", "no-such-bucket-here")], Attempts = 1 };
        var state = new DaemonState();
        var coordinator = SnapshotCoordinatorTests.Coordinator(cluster, run.Path, state, offsite);

        var outcome = await coordinator.RunAsync("test", CancellationToken.None);
        var report = outcome.ToReport();

        Assert.That(outcome.Succeeded, Is.True);
        Assert.That(report.Offsite!.Select(o => (o.Target, o.Ok)), Is.EqualTo(new[] { ("good", true), ("gone", false) }));
        Assert.That(report.Offsite![1].Error, Does.Contain("bucket no-such-bucket-here does not exist"));
        // etcd-backupctl snapshot exits 5 on this: saved, but a copy failed.
        Assert.That(report.AllCopied(), Is.False);
        // STATUS= names the target that has no copy.
        Assert.That(state.Describe(), Does.Contain("off-site copy FAILED to gone"));
        // The default copy is zstd-compressed (no recipients here): zstd alone gives the snapshot back.
        Assert.That(report.Offsite![0].Key, Does.EndWith(".db.zst"));
        var got = await _store.S3cmdAsync("get", $"s3://{good}/{report.Offsite![0].Key}", run.Combine("back.db.zst"));
        Assert.That(got.ExitCode, Is.Zero, got.ToString);
        var unzstd = await ProcessRunner.RunAsync("zstd", ["-d", "-q", run.Combine("back.db.zst"), "-o", run.Combine("back.db")]);
        Assert.That(unzstd.ExitCode, Is.Zero, unzstd.ToString);
        Assert.That(await File.ReadAllBytesAsync(run.Combine("back.db")), Is.EqualTo(await File.ReadAllBytesAsync(outcome.Result!.Path)));
    }
}
