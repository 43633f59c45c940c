using EtcdBackupd.Offsite;
using EtcdBackupd.Snapshots;
using EtcdBackupd.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace EtcdBackupd.Tests.Offsite;

internal sealed partial class OffsiteUploadTests
{
    [Test]
    [CancelAfter(120_000)]
    public async Task Upload_WrongSecretForOneTarget_IsReportedAsRefusedKeysAndTheOtherTargetStillGetsItsCopy()
    {
        using var run = new TempDirectory("wrong-keys");
        var snapshot = SyntheticSnapshots.Result(run.Path, 1 << 20);
        var (a, b) = (await BucketAsync("keys-a"), await BucketAsync("keys-b"));
        var wrong = ObjectStore.CredentialsFile(run, "wrong", secret: "not-the-secret");

        var results = await Uploader(Target("a", a, wrong), Target("b", b)).UploadAsync(snapshot, CancellationToken.None);

        Assert.That(results[0].Ok, Is.False);
        Assert.That(results[0].Error, Does.Contain("refused the keys").And.Contain(wrong));
        Assert.That(results[1].Ok, Is.True);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Upload_MissingBucket_IsReportedByNameAndNotRetried()
    {
        using var run = new TempDirectory("no-bucket");
        var snapshot = SyntheticSnapshots.Result(run.Path, 1 << 20);

        var results = await Uploader(3, Target("a", "no-such-bucket-here")).UploadAsync(snapshot, CancellationToken.None);

        Assert.That(results[0].Ok, Is.False);
        Assert.That(results[0].Error, Is.EqualTo($"bucket no-such-bucket-here does not exist at {_store.Endpoint.Authority}"));
        Assert.That(results[0].Attempts, Is.EqualTo(1));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Upload_EndpointDown_IsReportedAsUnreachableAfterEveryAttempt()
    {
        using var run = new TempDirectory("down");
        var snapshot = SyntheticSnapshots.Result(run.Path, 1 << 20);
        var down = new Uri($"http://127.0.0.1:{EtcdCluster.FreePort()}/");

        var results = await Uploader(2, Target("a", "any", endpoint: down)).UploadAsync(snapshot, CancellationToken.None);

        Assert.That(results[0].Ok, Is.False);
        Assert.That(results[0].Error, Does.StartWith($"cannot reach {down.Authority}"));
        Assert.That(results[0].Attempts, Is.EqualTo(2));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Upload_CancelledMidway_LeavesNoObjectAndNoMultipartUploadBehind()
    {
        using var run = new TempDirectory("cut");
        var snapshot = SyntheticSnapshots.Result(run.Path, 16 << 20);
        var bucket = await BucketAsync("cut");
        using var stop = new CancellationTokenSource();
        var uploader = new OffsiteUploader(new OffsiteOptions { Targets = [Target("a", bucket)], Attempts = 1 }, TimeProvider.System, NullLogger.Instance)
        {
            OnUploaded = (_, read) =>
            {
                if (read > 11 << 20)
                {
                    stop.Cancel();
                }
            },
        };

        var results = await uploader.UploadAsync(snapshot, stop.Token);

        Assert.That(results.Select(r => (r.Ok, r.Error)), Is.EqualTo(new[] { (false, (string?)"not copied: the daemon or the command was stopping") }),
            "a stop is a copy not made, not a failed snapshot");

        await AssertNoObjectAsync(bucket);
        var uploads = await _store.S3cmdAsync("multipart", $"s3://{bucket}");
        Assert.That(uploads.StandardOutput, Does.Not.Contain("cluster-1/"), uploads.ToString);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Upload_OfAFileThatIsNotWhatItsManifestRecords_IsAbortedAndLeavesNothingInTheBucket()
    {
        using var run = new TempDirectory("changed");
        var snapshot = SyntheticSnapshots.Result(run.Path, 1 << 20);
        var bucket = await BucketAsync("changed");
        // Damaged on disk after it was verified: one byte in the middle.
        await using (var file = new FileStream(snapshot.Path, FileMode.Open, FileAccess.Write))
        {
            file.Position = 512 << 10;
            file.WriteByte(0xff);
        }

        var results = await Uploader(Target("a", bucket)).UploadAsync(snapshot, CancellationToken.None);

        Assert.That(results.Single().Ok, Is.False);
        Assert.That(results.Single().Error, Does.Contain("changed or is damaged"));
        await AssertNoObjectAsync(bucket);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Upload_WhoseReadBackIsCut_AfterTheObjectCompleted_LeavesNoObjectThatNoManifestNames()
    {
        using var run = new TempDirectory("cut-read-back");
        var snapshot = SyntheticSnapshots.Result(run.Path, 4 << 20);
        var bucket = await BucketAsync("read-back");
        await using var relay = TcpRelay.To(_store.Endpoint);
        // Requests and their small answers pass; the read-back's 4 MiB download is reset a quarter in, and so is the SDK's retry.
        relay.CutResponsesAfter(1 << 20);

        var results = await Uploader(Target("a", bucket, endpoint: relay.Endpoint)).UploadAsync(snapshot, CancellationToken.None);

        Assert.That(results.Single().Ok, Is.False);
        Assert.That(relay.Cuts, Is.GreaterThanOrEqualTo(1));
        await AssertNoObjectAsync(bucket);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Upload_WhileAPinIsMadeMidway_PutsTheManifestWithThePin()
    {
        using var run = new TempDirectory("pinned-midway");
        var snapshot = SyntheticSnapshots.Result(run.Path, 4 << 20);
        var bucket = await BucketAsync("pin-mid");
        var manifestPath = SnapshotFileName.ManifestOf(snapshot.Path);
        var uploader = new OffsiteUploader(new OffsiteOptions { Targets = [Target("a", bucket)], Attempts = 1 }, TimeProvider.System, NullLogger.Instance)
        {
            // etcd-backupctl pin, as the daemon writes it, while the object goes up.
            OnUploaded = (_, read) =>
            {
                if (read >= 1 << 20 && ManifestFile.TryRead(manifestPath) is { Pin: null } local)
                {
                    File.WriteAllBytes(manifestPath, (local with { Pin = new SnapshotPin("before-upgrade", DateTimeOffset.UtcNow) }).ToJson());
                }
            },
        };

        var results = await uploader.UploadAsync(snapshot, CancellationToken.None);
        var json = run.Combine("bucket-manifest.json");
        var got = await _store.S3cmdAsync("get", $"s3://{bucket}/cluster-1/{Path.GetFileNameWithoutExtension(snapshot.Path)}.json", json);

        Assert.That(results.Single().Ok, Is.True, results.Single().Error);
        Assert.That(got.ExitCode, Is.Zero, got.ToString);
        Assert.That(SnapshotManifest.FromJson(await File.ReadAllBytesAsync(json))?.Pin?.Label, Is.EqualTo("before-upgrade"));
    }

    private async Task AssertNoObjectAsync(string bucket)
    {
        var objects = await _store.S3cmdAsync("ls", "--recursive", $"s3://{bucket}");
        Assert.That(objects.StandardOutput.Trim(), Is.Empty, objects.ToString);
    }
}
