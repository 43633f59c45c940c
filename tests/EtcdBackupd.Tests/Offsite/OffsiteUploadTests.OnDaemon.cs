using System.Text.Json.Nodes;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Offsite;

internal sealed partial class OffsiteUploadTests
{
    /// <summary>
    /// The real daemon, its first scheduled (catch-up) snapshot sent to two buckets and refused by a third
    /// target whose bucket is missing: each target's result where an operator looks (the snapshot answer's
    /// exit code, <c>status</c>, its health verdict, the textfile metrics as promtool reads them) and both
    /// good copies listed and verified through <c>etcd-backupctl</c>.
    /// </summary>
    [Test]
    [CancelAfter(240_000)]
    public async Task Daemon_ScheduledSnapshotToTwoBucketsAndAMissingOne_ReportsEachTargetInStatusHealthAndMetricsAndListsBothCopies()
    {
        await using var cluster = await EtcdCluster.StartAsync(EtcdBinaries.V34, 1);
        var (a, b) = (await BucketAsync("daemon-a"), await BucketAsync("daemon-b"));
        using var textfiles = new TempDirectory("offsite-daemon-textfiles");
        var prom = textfiles.Combine("etcd_backupd.prom");
        JsonObject TargetJson(string name, string bucket) => _store.TargetJson(name, bucket, "cluster-1/", _credentials);

        await using var host = await ControlledDaemon.StartAsync("offsite-daemon", cluster, c =>
        {
            c["Metrics"]!["TextfilePath"] = prom;
            c["Offsite"] = new JsonObject
            {
                ["Targets"] = new JsonArray(TargetJson("a", a), TargetJson("b", b), TargetJson("gone", "no-such-bucket-here")), ["Attempts"] = 1,
            };
        });
        await Eventually.UntilAsync(() => File.Exists(prom) && File.ReadAllText(prom).Contains("etcd_backupd_offsite_failures_total{target=\"gone\"} 1", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60), () => "the off-site series after the first snapshot:\n" + host.Daemon.Log);
        var name = Path.GetFileName(Directory.GetFiles(host.Snapshots, "*.db").Single());

        var status = JsonNode.Parse((await Backupctl.RunAsync(host.Socket, "status", "--json")).StandardOutput)!;
        var table = await Backupctl.RunAsync(host.Socket, "status");
        var list = await Backupctl.RunAsync(host.Socket, "list", "--offsite", "--json");
        var verifyGood = await Backupctl.RunAsync(host.Socket, "verify", "--offsite:b", name);
        var verifyAll = await Backupctl.RunAsync(host.Socket, "verify", "--offsite", name);
        var again = await Backupctl.RunAsync(host.Socket, "snapshot");
        await cluster.PutAsync("/registry/configmaps/default/after", "{}"u8.ToArray());
        var raw = await Backupctl.RunAsync(host.Socket, "call", """{"command":"snapshot"}""");
        var check = await Backupctl.RunAsync(host.Socket, "check", "--json");
        var metrics = await File.ReadAllTextAsync(prom);
        var promtool = await ProcessRunner.RunAsync("sh", ["-c", "promtool check metrics < \"$1\"", "sh", prom]);

        var records = status["offsiteRecords"]!.AsArray().ToDictionary(r => r!["target"]!.GetValue<string>());
        Assert.That(records.Keys, Is.EquivalentTo(new[] { "a", "b", "gone" }), () => status.ToJsonString());
        Assert.That((records["a"]!["lastOk"]!.GetValue<bool>(), records["b"]!["lastOk"]!.GetValue<bool>(), records["gone"]!["lastOk"]!.GetValue<bool>()),
            Is.EqualTo((true, true, false)));
        Assert.That(records["gone"]!["lastError"]!.GetValue<string>(), Does.Contain("no-such-bucket-here"));
        Assert.That(status["health"]!["problems"]!.AsArray().Select(p => p!["reason"]!.GetValue<string>()), Does.Contain("offsite_copy_failed"));
        Assert.That(table.StandardOutput, Does.Contain("OFFSITE").And.Contain("gone"), table.ToString);

        Assert.That(metrics, Does.Match(@"etcd_backupd_offsite_last_success_timestamp_seconds\{target=""a""\} \d+")
            .And.Match(@"etcd_backupd_offsite_last_success_timestamp_seconds\{target=""b""\} \d+")
            .And.Contain("etcd_backupd_offsite_failures_total{target=\"a\"} 0"));
        Assert.That(promtool.ExitCode, Is.Zero, promtool.ToString);

        var listed = JsonNode.Parse(list.StandardOutput)!["targets"]!.AsArray().ToDictionary(t => t!["target"]!.GetValue<string>());
        foreach (var good in new[] { "a", "b" })
        {
            Assert.That(listed[good]!["entries"]!.AsArray().Select(e => (e!["file"]?.GetValue<string>(), e["state"]!.GetValue<string>())),
                Does.Contain(((string?)name, "ok")), list.ToString);
        }

        Assert.That(listed["gone"]!["error"], Is.Not.Null, list.ToString);
        var offsiteChecks = JsonNode.Parse(check.StandardOutput)!["checks"]!.AsArray().Where(c => c!["name"]!.GetValue<string>() == "offsite")
            .Select(c => (c!["target"]!.GetValue<string>().Split(' ')[0], c["ok"]!.GetValue<bool>())).ToList();
        Assert.That(offsiteChecks, Is.EqualTo(new[] { ("a", true), ("b", true), ("gone", false) }), check.ToString);
        Assert.That(check.ExitCode, Is.EqualTo(1), "the missing bucket fails the preflight: " + check);
        Assert.That(list.ExitCode, Is.EqualTo(1), "a target that cannot be listed: " + list);
        Assert.That(verifyGood.ExitCode, Is.Zero, verifyGood.ToString);
        Assert.That(verifyAll.ExitCode, Is.EqualTo(1), "the missing bucket is not a verified copy: " + verifyAll);
        Assert.That(again.ExitCode, Is.EqualTo(5), "saved, but the off-site copy to 'gone' failed: " + again);
        Assert.That(again.StandardOutput + again.StandardError, Does.Contain("gone").And.Not.Contain("Exception"), again.ToString);
        var events = raw.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).Where(l => l["event"]?.GetValue<string>() == "progress").ToList();
        // Progress is sent at most every so often, so a small copy may show one target only, or one target twice
        // (SubsetOf counts repeats, hence Distinct).
        Assert.That(events.Where(e => e["stage"]?.GetValue<string>() == "offsite").Select(e => e["target"]?.GetValue<string>()).Distinct(),
            Is.Not.Empty.And.SubsetOf(new[] { "a", "b", "gone" }), "the upload's progress names its target: " + raw);
    }
}
