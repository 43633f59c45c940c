using EtcdBackupd.Lineage;
using EtcdBackupd.Offsite;
using EtcdBackupd.Retention;
using EtcdBackupd.Snapshots;
using EtcdBackupd.Tests.Support;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EtcdBackupd.Tests.Offsite;

/// <summary><c>Offsite.Retention</c> against the real store: what goes, what stays, and what is never ours to touch.</summary>
internal sealed partial class OffsiteUploadTests
{
    private static readonly int[] AgesInDays = [40, 35, 31, 2, 1, 0];

    [Test]
    [CancelAfter(240_000)]
    public async Task Prune_DaemonRetention_RemovesOldCopiesWithTheirManifestsKeepsPinnedAndNeverTouchesForeignObjects()
    {
        using var run = new TempDirectory("prune");
        var bucket = await BucketAsync("prune");
        var keys = await UploadAgedAsync(run, bucket, pinnedAge: 40);
        var foreign = await PutForeignAsync(run, bucket);

        await Pruner(run, bucket, OffsiteRetention.Daemon).PruneAsync(CancellationToken.None);

        var left = await ListAsync(bucket);
        // 35 and 31 days old, with three newer verified copies: gone, each with its manifest. 40 is pinned.
        Assert.That(left, Is.EquivalentTo(keys.Where(k => !k.Contains("-r35", StringComparison.Ordinal) && !k.Contains("-r31", StringComparison.Ordinal)).Concat(foreign)));
    }

    [Test]
    [CancelAfter(240_000)]
    public async Task Prune_ByAMasterWhoseClockIsWeeksAhead_JudgesByTheStoresNewestWrite_DeletesNothingYoungAndWarns()
    {
        using var run = new TempDirectory("prune-clock");
        var bucket = await BucketAsync("prune-clock");
        var keys = await UploadAgedAsync(run, bucket, pinnedAge: null, ages: [25, 20, 2, 1, 0]);
        var log = new CapturingLogger<BucketRetention>();
        // Booted sixty days ahead, before NTP set the clock right: every copy would look older than the window.
        var ahead = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(60));

        await Pruner(run, bucket, OffsiteRetention.Daemon, logger: log, time: ahead).PruneAsync(CancellationToken.None);

        Assert.That(await ListAsync(bucket), Is.EquivalentTo(keys));
        Assert.That(Events(log).Select(e => e.EventName), Does.Contain("RetentionOffsiteClockAhead"), "an off-site event, with OFFSITE_TARGET");
    }

    [Test]
    [CancelAfter(240_000)]
    public async Task Prune_APinMadeAfterTheListingHereOrInTheBucket_StillSavesThatCopy()
    {
        using var run = new TempDirectory("prune-pin-race");
        var bucket = await BucketAsync("prune-pin-race");
        var keys = await UploadAgedAsync(run, bucket, pinnedAge: null);
        var (thirtyFive, thirtyOne) = (Path.GetFileName(keys[2]), Path.GetFileName(keys[4]));
        using var client = BucketClient.Create(Target("a", bucket), TimeSpan.FromSeconds(30));
        var pin = new SnapshotPin("pinned-meanwhile", DateTimeOffset.UtcNow);
        var pruner = Pruner(run, bucket, OffsiteRetention.Daemon, afterDecision: async token =>
        {
            // The 40, 35 and 31 days old copies are decided; then an operator pins the 35 here, and another master the 31 in the bucket.
            SnapshotPins.Rewrite(Path.Combine(run.Path, thirtyFive), pin);
            var theirs = await ManifestObject.TryReadAsync(client, bucket, keys[5], token);
            await ManifestObject.PutAsync(client, bucket, keys[5], theirs! with { Pin = pin }, token);
        });

        await pruner.PruneAsync(CancellationToken.None);

        Assert.That(await ListAsync(bucket), Is.EquivalentTo(keys.Skip(2)), $"only the 40 days old copy goes; {thirtyFive} and {thirtyOne} stay");
    }

    [Test]
    [CancelAfter(240_000)]
    public async Task Prune_BucketRetention_DeletesNothing()
    {
        using var run = new TempDirectory("prune-bucket");
        var bucket = await BucketAsync("prune-bucket");
        var keys = await UploadAgedAsync(run, bucket, pinnedAge: null);
        var foreign = await PutForeignAsync(run, bucket);

        await Pruner(run, bucket, OffsiteRetention.Bucket).PruneAsync(CancellationToken.None);

        Assert.That(await ListAsync(bucket), Is.EquivalentTo(keys.Concat(foreign)));
    }

    [Test]
    [CancelAfter(240_000)]
    public async Task Prune_OffsiteRetentionDaysLongerThanTheLocalOnes_KeepsCopiesTheLocalRuleWouldRemove()
    {
        using var run = new TempDirectory("prune-days");
        var bucket = await BucketAsync("prune-days");
        var keys = await UploadAgedAsync(run, bucket, pinnedAge: null);

        // Snapshots.RetentionDays is 30 (the 40, 35 and 31 days old copies would go); Offsite.RetentionDays 60 keeps them.
        await Pruner(run, bucket, OffsiteRetention.Daemon, offsiteDays: 60).PruneAsync(CancellationToken.None);

        Assert.That(await ListAsync(bucket), Is.EquivalentTo(keys));
    }

    [Test]
    [CancelAfter(240_000)]
    public async Task Prune_ManifestsWhoseObjectIsGone_GoOnlyPastTheAgeLimitAndUnpinned()
    {
        using var run = new TempDirectory("prune-orphans");
        var bucket = await BucketAsync("prune-orphans");
        var keys = await UploadAgedAsync(run, bucket, pinnedAge: 45, ages: [45, 40, 3, 2, 1, 0]);
        // By hand: the objects of the 45 (pinned), 40 and 3 days old copies; their manifests stay behind.
        foreach (var objectKey in new[] { keys[0], keys[2], keys[4] })
        {
            var deleted = await _store.S3cmdAsync("del", $"s3://{bucket}/{objectKey}");
            Assert.That(deleted.ExitCode, Is.Zero, deleted.ToString);
        }

        var log = new CapturingLogger<BucketRetention>();
        await Pruner(run, bucket, OffsiteRetention.Daemon, logger: log).PruneAsync(CancellationToken.None);

        // The 40 days old manifest goes (past Snapshots.RetentionDays, 30); the pinned one and the young one stay.
        Assert.That(await ListAsync(bucket), Is.EquivalentTo(new[] { keys[1], keys[5] }.Concat(keys.Skip(6))));
        Assert.That(Events(log).Where(e => e.EventName == "RetentionOffsiteManifestDeleted").Select(e => e.Message),
            Is.EqualTo(new[] { $"Retention removed the manifest {keys[3]} from off-site target a: its object {keys[2]} is gone, and the snapshot is older than 30 days" }));
    }

    [Test]
    [CancelAfter(240_000)]
    public async Task Prune_UnfinishedUploadsOfSnapshotNames_AreAbortedOnlyOnceTwoDaysOldAndNeverAnOperatorsOrANestedOne()
    {
        using var run = new TempDirectory("prune-uploads");
        var bucket = await BucketAsync("prune-uploads");
        var name = SnapshotFileName.Build(DateTimeOffset.UtcNow.AddHours(-1), "m1", 9);
        using var client = BucketClient.Create(Target("a", bucket), TimeSpan.FromSeconds(30));
        // What a daemon killed midway leaves: an upload started, one part sent, neither completed nor aborted.
        string[] snapshotKeys = [$"cluster-1/{name}", $"cluster-1/{name}.zst.age"];
        string[] othersKeys = ["cluster-1/operator-archive.tar", $"cluster-1/archive/{name}", $"cluster-2/{name}"];
        foreach (var key in snapshotKeys.Concat(othersKeys))
        {
            var started = await client.InitiateMultipartUploadAsync(bucket, key);
            await client.UploadPartAsync(new Amazon.S3.Model.UploadPartRequest
            {
                BucketName = bucket, Key = key, UploadId = started.UploadId, PartNumber = 1, InputStream = new MemoryStream(new byte[1024]),
            });
        }

        var log = new CapturingLogger<BucketRetention>();
        await Pruner(run, bucket, OffsiteRetention.Daemon, logger: log).PruneAsync(CancellationToken.None);
        var afterFreshPrune = await UploadsAsync(client, bucket);
        var dayLater = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(25));
        await Pruner(run, bucket, OffsiteRetention.Daemon, logger: log, time: dayLater).PruneAsync(CancellationToken.None);
        var afterADay = await UploadsAsync(client, bucket);
        var twoDaysLater = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(49));
        await Pruner(run, bucket, OffsiteRetention.Daemon, logger: log, time: twoDaysLater).PruneAsync(CancellationToken.None);
        var afterDayOldPrune = await UploadsAsync(client, bucket);

        Assert.That(afterFreshPrune, Is.EquivalentTo(snapshotKeys.Concat(othersKeys)), "an upload started an hour ago may still be running");
        Assert.That(afterADay, Is.EquivalentTo(snapshotKeys.Concat(othersKeys)), "an upload may run a day (Offsite.TimeoutSeconds at most)");
        Assert.That(afterDayOldPrune, Is.EquivalentTo(othersKeys));
        Assert.That(Events(log).Where(e => e.EventName == "RetentionOffsiteUploadAborted").Select(e => e.Message),
            Has.Exactly(2).Items.And.All.Contain("Retention aborted the unfinished multipart upload").And.Some.Contain($"of cluster-1/{name}.zst.age in off-site target a"));
    }

    private static async Task<string[]> UploadsAsync(Amazon.S3.AmazonS3Client client, string bucket) =>
        [.. ((await client.ListMultipartUploadsAsync(bucket)).MultipartUploads ?? []).Select(u => u.Key)];

    /// <summary>
    /// One raw copy per age in <paramref name="ages"/> (<see cref="AgesInDays"/> by default; revision = age), each with its
    /// manifest, recording <paramref name="clusterId"/>; the keys of both.
    /// </summary>
    private async Task<List<string>> UploadAgedAsync(TempDirectory run, string bucket, int? pinnedAge, int[]? ages = null, string member = "m1", string clusterId = "1")
    {
        var uploader = Uploader(Target("a", bucket));
        var keys = new List<string>();
        foreach (var age in ages ?? AgesInDays)
        {
            var path = SyntheticSnapshots.Write(run.Path, DateTimeOffset.UtcNow.AddDays(-age).AddMinutes(-5), member, revision: age, withManifest: true);
            var manifest = SnapshotManifest.FromJson(File.ReadAllBytes(SnapshotFileName.ManifestOf(path)))! with { ClusterId = clusterId };
            var snapshot = new SnapshotResult(path, age == pinnedAge ? manifest with { Pin = new SnapshotPin("before-upgrade", DateTimeOffset.UtcNow) } : manifest);
            var result = (await uploader.UploadAsync(snapshot, CancellationToken.None)).Single();
            Assert.That(result.Ok, Is.True, result.Error);
            keys.Add(result.Key);
            keys.Add(ManifestObject.KeyOf(Target("a", bucket), path));
        }

        return keys;
    }

    /// <summary>Objects that are not ours to prune though their names look old: an operator's file, a nested copy, another cluster's prefix.</summary>
    private async Task<string[]> PutForeignAsync(TempDirectory run, string bucket)
    {
        var old = SnapshotFileName.Build(DateTimeOffset.UtcNow.AddDays(-90), "m1", 7);
        string[] foreign = ["cluster-1/README.txt", $"cluster-1/{old}.bak", $"cluster-1/archive/{old}", $"cluster-2/{old}", $"cluster-2/{Path.GetFileNameWithoutExtension(old)}.json"];
        var file = run.Combine("foreign");
        await File.WriteAllTextAsync(file, "not a snapshot of this cluster");
        foreach (var key in foreign)
        {
            var put = await _store.S3cmdAsync("put", file, $"s3://{bucket}/{key}");
            Assert.That(put.ExitCode, Is.Zero, put.ToString);
        }

        return foreign;
    }

    private async Task<string[]> ListAsync(string bucket)
    {
        var listed = await _store.S3cmdAsync("ls", "--recursive", $"s3://{bucket}");
        Assert.That(listed.ExitCode, Is.Zero, listed.ToString);
        return [.. listed.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l[(l.IndexOf($"s3://{bucket}/", StringComparison.Ordinal) + bucket.Length + 6)..])];
    }

    /// <summary>The daemon's pruner, on a master whose lineage holds <paramref name="lineage"/> (the synthetic snapshots' cluster 1 by default).</summary>
    private BucketRetention Pruner(TempDirectory run, string bucket, OffsiteRetention retention, int? offsiteDays = null, string[]? lineage = null,
        ILogger<BucketRetention>? logger = null, TimeProvider? time = null, Func<CancellationToken, Task>? afterDecision = null)
    {
        var state = Directory.CreateDirectory(run.Combine("state")).FullName;
        var known = new ClusterLineage(state, TimeProvider.System, NullLogger.Instance);
        foreach (var id in lineage ?? ["1"])
        {
            known.Record(id);
        }

        return new(
            new OffsiteOptions { Targets = [Target("a", bucket)], Retention = retention, RetentionDays = offsiteDays, Timeout = TimeSpan.FromSeconds(60) },
            new RetentionOptions { RetentionDays = 30, MinimumKept = 3 }, new SnapshotDirectory(run.Path), known, time ?? TimeProvider.System,
            logger ?? NullLogger<BucketRetention>.Instance) { AfterDecision = afterDecision };
    }
}
