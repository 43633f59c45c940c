using EtcdBackupd.Offsite;
using EtcdBackupd.Service;
using EtcdBackupd.Tests.Service;
using EtcdBackupd.Tests.Snapshots;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Offsite;

internal sealed partial class OffsiteUploadTests
{
    [Test]
    [CancelAfter(240_000)]
    public async Task Snapshot_ConnectionCutMidUpload_ReportsItLeavesNoObjectNorPartsAndTheOtherTargetHasItsCopy()
    {
        await using var cluster = await EtcdCluster.StartAsync(EtcdBinaries.V34, 1);
        await SnapshotAgainstEtcdTests.WriteRegistryKeysAsync(cluster, 400);
        using var run = new TempDirectory("offsite-cut");
        await using var relay = TcpRelay.To(_store.Endpoint);
        var (cut, good) = (await BucketAsync("cut"), await BucketAsync("cut-other"));
        var offsite = new OffsiteOptions
        {
            Targets = [Target("cut", cut, endpoint: relay.Endpoint), Target("good", good)], Attempts = 1, Timeout = TimeSpan.FromSeconds(60),
            Compression = "none", Codec = new EtcdBackupd.Offsite.Codec.CodecSettings(EtcdBackupd.Offsite.Codec.OffsiteCompression.None, 3, []),
        };
        var state = new DaemonState();
        var coordinator = SnapshotCoordinatorTests.Coordinator(cluster, run.Path, state, offsite);
        // Past the request that starts the multipart upload, into the first part's body; the S3 client's own retry is cut too.
        relay.CutAfter(32 * 1024);

        var outcome = await coordinator.RunAsync("test", CancellationToken.None);

        Assert.That(outcome.Succeeded, Is.True, () => outcome.Error?.Message ?? "");
        Assert.That(new FileInfo(outcome.Result!.Path).Length, Is.GreaterThan(64 * 1024), "the snapshot must be larger than the cut");
        Assert.That(relay.Cuts, Is.GreaterThanOrEqualTo(1));
        var report = outcome.ToReport();
        Assert.That(report.Offsite!.Select(o => (o.Target, o.Ok)), Is.EqualTo(new[] { ("cut", false), ("good", true) }));
        Assert.That(report.Offsite![0].Error, Does.Contain($"127.0.0.1:{relay.Endpoint.Port}"), "the sentence names the endpoint");
        Assert.That(report.Offsite![0].Error, Does.Not.Contain("Exception"));
        var listed = await _store.S3cmdAsync("ls", "--recursive", $"s3://{cut}");
        Assert.That((listed.ExitCode, listed.StandardOutput.Trim()), Is.EqualTo((0, "")), "no object, nor manifest, under any name");
        var multipart = await _store.S3cmdAsync("multipart", $"s3://{cut}");
        Assert.That(multipart.ExitCode, Is.Zero, multipart.ToString);
        Assert.That(multipart.StandardOutput, Does.Not.Contain(Path.GetFileName(outcome.Result.Path)), "the multipart upload was aborted");
        var other = await _store.S3cmdAsync("ls", $"s3://{good}/cluster-1/");
        Assert.That(other.StandardOutput, Does.Contain(Path.GetFileName(outcome.Result.Path)));
        Assert.That(state.Describe(), Does.Contain("off-site copy FAILED to cut"));
    }

    [Test]
    [CancelAfter(240_000)]
    public async Task Snapshot_ConnectionCutWhileTheStoreCompletesTheUpload_LeavesNoObjectUnderTheSnapshotsKey()
    {
        await using var cluster = await EtcdCluster.StartAsync(EtcdBinaries.V34, 1);
        await SnapshotAgainstEtcdTests.WriteRegistryKeysAsync(cluster, 40);
        using var run = new TempDirectory("offsite-cut-complete");
        await using var relay = TcpRelay.To(_store.Endpoint);
        var bucket = await BucketAsync("cut-complete");
        var offsite = new OffsiteOptions
        {
            Targets = [Target("cut", bucket, endpoint: relay.Endpoint)], Attempts = 1, Timeout = TimeSpan.FromSeconds(60),
            Compression = "none", Codec = new EtcdBackupd.Offsite.Codec.CodecSettings(EtcdBackupd.Offsite.Codec.OffsiteCompression.None, 3, []),
        };
        var coordinator = SnapshotCoordinatorTests.Coordinator(cluster, run.Path, new DaemonState(), offsite);
        // The store puts the object in place; the answer, and the S3 client's retry of the request, are cut.
        relay.CutAnswerTo("<CompleteMultipartUpload");

        var outcome = await coordinator.RunAsync("test", CancellationToken.None);

        Assert.That(outcome.Succeeded, Is.True, () => outcome.Error?.Message ?? "");
        Assert.That(relay.Cuts, Is.GreaterThanOrEqualTo(1));
        Assert.That(outcome.ToReport().Offsite!.Select(o => (o.Target, o.Ok)), Is.EqualTo(new[] { ("cut", false) }));
        var listed = await _store.S3cmdAsync("ls", "--recursive", $"s3://{bucket}");
        Assert.That((listed.ExitCode, listed.StandardOutput.Trim()), Is.EqualTo((0, "")),
            "an object the store completed while its answer was lost is unchecked and no manifest names it: it is deleted");
    }
}
