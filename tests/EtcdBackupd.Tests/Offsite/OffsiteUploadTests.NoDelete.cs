using EtcdBackupd.Offsite;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Offsite;

internal sealed partial class OffsiteUploadTests
{
    [Test]
    [CancelAfter(240_000)]
    public async Task Upload_BucketPolicyDeniesDeleteObject_SucceedsAndTheDeniedDeleteKeepsEveryObject()
    {
        using var run = new TempDirectory("no-delete");
        var bucket = await BucketAsync("no-delete");
        await DenyAsync(run, bucket, ["s3:DeleteObject", "s3:DeleteObjectVersion"], $"arn:aws:s3:::{bucket}/*");

        // Offsite.Retention bucket: every upload (multipart, read back, manifest) needs no delete.
        var keys = await UploadAgedAsync(run, bucket, pinnedAge: null);
        var deleted = await _store.S3cmdAsync("del", $"s3://{bucket}/{keys[0]}");
        await Pruner(run, bucket, OffsiteRetention.Daemon).PruneAsync(CancellationToken.None);

        // The store enforces the policy: neither s3cmd nor the daemon's pruning (with the same keys) removed anything.
        Assert.That(deleted.ExitCode, Is.Not.Zero, deleted.ToString);
        Assert.That(await ListAsync(bucket), Is.EquivalentTo(keys));
    }

    [Test]
    [CancelAfter(240_000)]
    public async Task Prune_KeysThatMayNotListUnfinishedUploads_PruneTheCopiesAndSayWhatIsNotCleared()
    {
        using var run = new TempDirectory("no-list-uploads");
        var bucket = await BucketAsync("no-list-uploads");
        var keys = await UploadAgedAsync(run, bucket, pinnedAge: null);
        await DenyAsync(run, bucket, ["s3:ListBucketMultipartUploads"], $"arn:aws:s3:::{bucket}");

        var log = new CapturingLogger<EtcdBackupd.Retention.BucketRetention>();
        await Pruner(run, bucket, OffsiteRetention.Daemon, logger: log).PruneAsync(CancellationToken.None);

        var events = Events(log);
        Assert.That(events.Select(e => e.EventName), Does.Contain("RetentionOffsiteDeleted").And.Not.Contain("RetentionOffsiteFailed"));
        Assert.That(events.Where(e => e.EventName == "RetentionOffsiteUploadsNotListed").Select(e => e.Message),
            Has.Exactly(1).Items.And.All.Contain("s3:ListBucketMultipartUploads").And.All.Contain("off-site target a"));
        Assert.That(await ListAsync(bucket), Has.Length.EqualTo(keys.Count - 6), "the 40, 35 and 31 days old copies went with their manifests");
    }

    /// <summary>A bucket policy the store enforces: <paramref name="actions"/> on <paramref name="resource"/> denied to everyone.</summary>
    private async Task DenyAsync(TempDirectory run, string bucket, string[] actions, string resource)
    {
        var policy = run.Combine("policy.json");
        await File.WriteAllTextAsync(policy, $$"""
            {"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*",
              "Action":{{System.Text.Json.JsonSerializer.Serialize(actions)}},"Resource":["{{resource}}"]}]}
            """);
        var set = await _store.S3cmdAsync("setpolicy", policy, $"s3://{bucket}");
        Assert.That(set.ExitCode, Is.Zero, set.ToString);
    }
}
