using System.Text.Json.Nodes;
using EtcdBackupd.State;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Offsite;

internal sealed partial class OffsiteUploadTests
{
    [Test]
    [CancelAfter(240_000)]
    public async Task OneShotSnapshot_OneTargetWithoutItsBucket_ExitsFiveWithTheGoodTargetsCopyAndRecordsBoth()
    {
        await using var cluster = await EtcdCluster.StartAsync(EtcdBinaries.V34, 1);
        using var run = new TempDirectory("oneshot-offsite");
        var good = await BucketAsync("oneshot");
        var config = Backupd.WriteConfig(run.Combine("config.json"), cluster, Directory.CreateDirectory(run.Combine("snapshots")).FullName);
        var json = JsonNode.Parse(File.ReadAllText(config))!.AsObject();
        json["State"] = new JsonObject { ["Directory"] = run.Combine("state") };
        json["Offsite"] = new JsonObject
        {
            ["Attempts"] = 1,
            ["Targets"] = new JsonArray(TargetJson("good", good), TargetJson("gone", "no-such-bucket-here")),
        };
        Backupd.WriteConfig(config, json);

        var result = Backupd.ParseResult(await Backupd.SnapshotAsync(config), exitCode: 5);

        var offsite = result["offsite"]!.AsArray();
        Assert.That(offsite.Select(o => ((string)o!["target"]!, (bool)o["ok"]!)), Is.EqualTo(new[] { ("good", true), ("gone", false) }));
        Assert.That((string?)offsite[1]!["error"], Does.Contain("bucket no-such-bucket-here does not exist"));
        var listed = await _store.S3cmdAsync("ls", $"s3://{good}/cluster-1/");
        Assert.That(listed.StandardOutput, Does.Contain(Path.GetFileName((string)result["path"]!) + ".zst"));
        // The daemon's verdict and metrics read these: the one-shot's uploads count as the daemon's would.
        var records = new CopyLedger(run.Combine("state")).ReadOffsite();
        Assert.That(records.Select(r => (r.Target, r.LastOk)), Is.EquivalentTo(new[] { ("good", (bool?)true), ("gone", (bool?)false) }));
    }

    private JsonObject TargetJson(string name, string bucket) => new()
    {
        ["Name"] = name, ["Endpoint"] = _store.Endpoint.ToString(), ["Bucket"] = bucket, ["Prefix"] = "cluster-1/", ["CredentialsFile"] = _credentials,
    };
}
