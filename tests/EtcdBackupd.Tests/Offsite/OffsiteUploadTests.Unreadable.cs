using EtcdBackupd.Offsite;
using EtcdBackupd.Protocol.Results;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Offsite;

internal sealed partial class OffsiteUploadTests
{
    [Test]
    [CancelAfter(120_000)]
    public async Task Listing_WithAManifestAnotherUserPutThatTheKeysMayNotRead_ShowsItUnreadable_AndListsTheRestAsBefore()
    {
        using var run = new TempDirectory("foreign-manifest");
        var snapshot = SyntheticSnapshots.Result(run.Path, 1 << 20);
        var bucket = await BucketAsync("foreign");
        var target = Target("a", bucket);
        await Uploader(target).UploadAsync(snapshot, CancellationToken.None);
        // Another user of the store may write to the bucket (its policy) and keeps its objects private: the owner's keys get 403 on them.
        const string otherKey = "AKIAOTHERTOOL0000002", otherSecret = "othertoolsecret0000000000000000000000002";
        await _store.AddUserAsync(otherKey, otherSecret);
        var policy = run.Combine("policy.json");
        await File.WriteAllTextAsync(policy, $$"""
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam:::user/{{otherKey}}"]},"Action":["s3:PutObject"],"Resource":["arn:aws:s3:::{{bucket}}/*"]}]}
            """);
        Assert.That((await _store.S3cmdAsync("setpolicy", policy, $"s3://{bucket}")).ExitCode, Is.Zero);
        var theirs = run.Combine("theirs.json");
        await File.WriteAllTextAsync(theirs, "{}");
        var put = await _store.S3cmdAsAsync(otherKey, otherSecret, "put", theirs, $"s3://{bucket}/cluster-1/their-tool.json");
        Assert.That(put.ExitCode, Is.Zero, put.ToString);
        Assert.That((await _store.S3cmdAsync("get", $"s3://{bucket}/cluster-1/their-tool.json", run.Combine("got.json"))).StandardError, Does.Contain("403"),
            "the store refuses the owner's keys that object");
        using var client = BucketClient.Create(target, TimeSpan.FromSeconds(30));

        var listed = await OffsiteCatalog.ListAsync(client, target, [], CancellationToken.None);

        Assert.That(listed.Select(e => (e.Entry.Key, e.Entry.State)), Is.EquivalentTo(new[]
        {
            ($"cluster-1/{Path.GetFileName(snapshot.Path)}", OffsiteEntryState.Ok),
            ("cluster-1/their-tool.json", OffsiteEntryState.UnreadableManifest),
        }));
    }
}
