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
        var policy = run.Combine("policy.json");
        await File.WriteAllTextAsync(policy, $$"""
            {"Version":"2012-10-17","Statement":[{"Sid":"EtcdBackupdNeverDeletes","Effect":"Deny","Principal":"*",
              "Action":["s3:DeleteObject","s3:DeleteObjectVersion"],"Resource":["arn:aws:s3:::{{bucket}}/*"]}]}
            """);
        var set = await _store.S3cmdAsync("setpolicy", policy, $"s3://{bucket}");
        Assert.That(set.ExitCode, Is.Zero, set.ToString);

        // Offsite.Retention bucket: every upload (multipart, read back, manifest) needs no delete.
        var keys = await UploadAgedAsync(run, bucket, pinnedAge: null);
        var deleted = await _store.S3cmdAsync("del", $"s3://{bucket}/{keys[0]}");
        await Pruner(run, bucket, OffsiteRetention.Daemon).PruneAsync(CancellationToken.None);

        // The store enforces the policy: neither s3cmd nor the daemon's pruning (with the same keys) removed anything.
        Assert.That(deleted.ExitCode, Is.Not.Zero, deleted.ToString);
        Assert.That(await ListAsync(bucket), Is.EquivalentTo(keys));
    }
}
