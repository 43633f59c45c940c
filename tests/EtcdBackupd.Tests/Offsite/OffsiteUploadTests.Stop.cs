using System.Text.Json.Nodes;
using EtcdBackupd.Tests.Snapshots;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Offsite;

internal sealed partial class OffsiteUploadTests
{
    [Test]
    [CancelAfter(240_000)]
    public async Task OneShotSnapshot_StoppedWithSigtermMidUpload_AbortsTheUploadBeforeItExits_ThoughTheStoreAnswersSlowly()
    {
        await using var cluster = await EtcdCluster.StartAsync(EtcdBinaries.V34, 1);
        await SnapshotAgainstEtcdTests.WriteRegistryKeysAsync(cluster, 400);
        using var run = new TempDirectory("offsite-sigterm");
        await using var relay = TcpRelay.To(_store.Endpoint);
        var bucket = await BucketAsync("sigterm");
        var path = Backupd.WriteConfig(run.Combine("config.json"), cluster, Directory.CreateDirectory(run.Combine("snapshots")).FullName);
        var config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        config["State"] = new JsonObject { ["Directory"] = run.Combine("state") };
        config["Offsite"] = new JsonObject
        {
            ["Targets"] = new JsonArray(_store.TargetJson("slow", bucket, "cluster-1/", _credentials, relay.Endpoint)), ["Compression"] = "none", ["Attempts"] = 1,
        };
        Backupd.WriteConfig(path, config);
        // Into the first part's body, then the store stops reading: the upload waits there.
        relay.StallAfter(32 * 1024);

        using var oneShot = Backupd.StartBackground(run.Combine("snapshot.log"), "snapshot", "--config", path);
        await relay.Stalled.WaitAsync(TimeSpan.FromSeconds(60));
        // The abort goes on a new connection, answered 3 s later: longer than System.CommandLine's own 2 s after a signal.
        relay.DelayNewConnections(TimeSpan.FromSeconds(3));
        await ProcessRunner.RunAsync("kill", ["-TERM", oneShot.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await oneShot.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));

        var log = await File.ReadAllTextAsync(run.Combine("snapshot.log"));
        Assert.That(oneShot.ExitCode, Is.Not.Zero, log);
        var multipart = await _store.S3cmdAsync("multipart", $"s3://{bucket}");
        Assert.That(multipart.ExitCode, Is.Zero, multipart.ToString);
        Assert.That(multipart.StandardOutput, Does.Not.Contain("etcd-snapshot-"), "the multipart upload was aborted before the process ended: " + log);
        var listed = await _store.S3cmdAsync("ls", "--recursive", $"s3://{bucket}");
        Assert.That((listed.ExitCode, listed.StandardOutput.Trim()), Is.EqualTo((0, "")));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Upload_StoppedMidway_ReturnsTheCopiesNotMade_InsteadOfFailingTheSavedSnapshot_AndLeavesNoParts()
    {
        using var run = new TempDirectory("offsite-stopped");
        var snapshot = SyntheticSnapshots.Result(run.Path, 4 << 20);
        await using var relay = TcpRelay.To(_store.Endpoint);
        var (slow, next) = (await BucketAsync("stopped"), await BucketAsync("stopped-next"));
        relay.StallAfter(32 * 1024);
        using var stop = new CancellationTokenSource();

        var uploading = Uploader(Target("slow", slow, endpoint: relay.Endpoint), Target("next", next)).UploadAsync(snapshot, stop.Token);
        await relay.Stalled.WaitAsync(TimeSpan.FromSeconds(60));
        await stop.CancelAsync();
        var results = await uploading;

        Assert.That(results.Select(r => (r.Target, r.Ok, r.Error)), Is.EqualTo(new[]
        {
            ("slow", false, (string?)"not copied: the daemon or the command was stopping"),
            ("next", false, (string?)"not copied: the daemon or the command was stopping"),
        }));
        var multipart = await _store.S3cmdAsync("multipart", $"s3://{slow}");
        Assert.That(multipart.StandardOutput, Does.Not.Contain("etcd-snapshot-"), "the upload under way was aborted");
    }
}
