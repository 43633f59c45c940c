using System.Text.Json.Nodes;
using EtcdBackupd.Tests.Snapshots;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Fetch;

/// <summary>verify --offsite, list --offsite, the one-shot fetch and the copy opened without etcd-backupd.</summary>
internal sealed partial class FetchFromOffsiteTests
{
    [Test, Order(1)]
    [CancelAfter(120_000)]
    public async Task VerifyOffsite_ThroughTheDaemon_IsOkThenFindsTheObjectOverwrittenBehindOurBackWithS3cmd()
    {
        var m1 = _masters.All[0];
        using var scratch = new TempDirectory("overwrite");
        var original = await GetAsync(_object, scratch.Combine("original"));
        var good = await Backupctl.RunAsync(m1.Socket, "verify", "--offsite", _snapshot);
        await File.WriteAllBytesAsync(scratch.Combine("zeros"), new byte[new FileInfo(original).Length]);
        await PutAsync(scratch.Combine("zeros"), _object);
        try
        {
            var bad = await Backupctl.RunAsync(m1.Socket, "verify", "--offsite:main", _snapshot);
            var badJson = await Backupctl.RunAsync(m1.Socket, "verify", "--offsite", _snapshot, "--json");

            Assert.That(good.ExitCode, Is.Zero, good.ToString);
            Assert.That(good.StandardOutput, Does.Contain("ok: " + _object));
            Assert.That(bad.ExitCode, Is.EqualTo(1), bad.ToString);
            Assert.That(bad.StandardOutput, Does.Contain("MISMATCH"));
            Assert.That(bad.StandardOutput.Split('\n').Max(l => l.Length), Is.LessThanOrEqualTo(100), bad.StandardOutput);
            var target = JsonNode.Parse(badJson.StandardOutput)!["targets"]![0]!;
            Assert.That((target["target"]!.GetValue<string>(), target["verdict"]!.GetValue<string>()), Is.EqualTo(("main", "mismatch")));
            Assert.That(target["problem"]!.GetValue<string>(), Does.Contain("has SHA-256").And.Contain("replaced or damaged"));
        }
        finally
        {
            await PutAsync(original, _object);
        }

        var again = await Backupctl.RunAsync(m1.Socket, "verify", "--offsite", _snapshot);
        Assert.That(again.ExitCode, Is.Zero, again.ToString);
    }

    [Test, Order(2)]
    [CancelAfter(120_000)]
    public async Task ListOffsite_ShowsThisClustersSnapshot_AndMarksAnotherClustersAndAStrayObjectAsNotOurs()
    {
        var other = await CraftAsync("etcd-snapshot-20200101T000000Z-m9-r42.db", b => b, m => m["clusterId"] = "abc123");
        // A manifest that names a key outside its own place is never followed.
        var elsewhere = await CraftAsync("etcd-snapshot-20200105T000000Z-m1-r46.db", b => b, m => m["offsite"]!["key"] = "clusters/prod-2/secret.db.zst.age");
        using var scratch = new TempDirectory("stray");
        await File.WriteAllTextAsync(scratch.Combine("notes.txt"), "not a snapshot");
        await PutAsync(scratch.Combine("notes.txt"), Prefix + "notes.txt");
        // Well-formed JSON with a null where a manifest has none, and an off-site object without its recipients:
        // each is one unreadable manifest, never a failure of the whole listing (nor of a fetch, at the end).
        var ours = JsonNode.Parse(await File.ReadAllTextAsync(await GetAsync(Prefix + Path.ChangeExtension(_snapshot, ".json"), scratch.Combine("ours.json"))))!;
        var nullName = ours.DeepClone();
        nullName["fileName"] = null;
        var noRecipients = ours.DeepClone();
        noRecipients["fileName"] = "etcd-snapshot-20200107T000000Z-m1-r48.db";
        noRecipients["offsite"]!.AsObject().Remove("recipients");
        var malformed = new[] { ("etcd-snapshot-20200106T000000Z-m1-r47.json", nullName), ("etcd-snapshot-20200107T000000Z-m1-r48.json", noRecipients) };
        foreach (var (name, crafted) in malformed)
        {
            await File.WriteAllTextAsync(scratch.Combine(name), crafted.ToJsonString());
            await PutAsync(scratch.Combine(name), Prefix + name);
        }

        var json = await Backupctl.RunAsync(_masters.All[0].Socket, "list", "--offsite", "--json");
        var verifyElsewhere = await Backupctl.RunAsync(_masters.All[0].Socket, "verify", "--offsite", elsewhere);
        var table = await Backupctl.RunAsync(_masters.All[0].Socket, "list", "--offsite:main");

        Assert.That(json.ExitCode, Is.Zero, json.ToString);
        var listing = JsonNode.Parse(json.StandardOutput)!["targets"]![0]!;
        Assert.That(listing["clusterChecked"]!.GetValue<bool>(), Is.True);
        var entries = listing["entries"]!.AsArray().ToDictionary(e => e!["key"]!.GetValue<string>(), e => e!["state"]!.GetValue<string>());
        Assert.That(entries[_object], Is.EqualTo("ok"));
        Assert.That(entries[Prefix + other + ".zst.age"], Is.EqualTo("other-cluster"));
        Assert.That(entries[Prefix + "notes.txt"], Is.EqualTo("no-manifest"));
        Assert.That(entries[Prefix + Path.ChangeExtension(elsewhere, ".json")], Is.EqualTo("unreadable-manifest"));
        Assert.That(malformed.Select(m => entries[Prefix + m.Item1]), Has.All.EqualTo("unreadable-manifest"));
        Assert.That(verifyElsewhere.ExitCode, Is.EqualTo(1), verifyElsewhere.ToString);
        Assert.That(verifyElsewhere.StandardOutput + verifyElsewhere.StandardError, Does.Contain("not followed"), verifyElsewhere.ToString);
        Assert.That(listing["entries"]![0]!["file"]!.GetValue<string>(), Is.EqualTo(_snapshot), "newest first");
        Assert.That(table.ExitCode, Is.Zero, table.ToString);
        Assert.That(table.StandardOutput, Does.Contain(_snapshot).And.Contain("zstd + age").And.Contain("OTHER CLUSTER (abc123)").And.Contain("no manifest names it"));
        Assert.That(table.StandardOutput.Split('\n').Max(l => l.Length), Is.LessThanOrEqualTo(100), table.StandardOutput);
    }

    [Test, Order(3)]
    [CancelAfter(180_000)]
    public async Task OneShotFetch_OnAMasterRebuiltFromNothingWithNoDaemon_BringsTheNewestDecryptedAndVerified()
    {
        using var rebuilt = new TempDirectory("rebuilt");
        var config = _m1Config.DeepClone().AsObject();
        config["Snapshots"]!["Directory"] = Directory.CreateDirectory(rebuilt.Combine("snapshots")).FullName;
        config["State"]!["Directory"] = rebuilt.Combine("state");
        config["Control"]!["SocketPath"] = rebuilt.Combine("control.sock");
        var path = Backupd.WriteConfig(rebuilt.Combine("config.json"), config);

        var fetch = await Backupd.RunAsync("fetch", "--from", "offsite", "--newest", "--config", path, "--json");

        Assert.That(fetch.ExitCode, Is.Zero, fetch.ToString);
        var result = JsonNode.Parse(fetch.StandardOutput)!;
        var here = rebuilt.Combine("snapshots", _snapshot);
        Assert.That(result["path"]!.GetValue<string>(), Is.EqualTo(here));
        Assert.That(result["offsite"]!["key"]!.GetValue<string>(), Is.EqualTo(_object));
        Assert.That(result["offsite"]!["clusterChecked"]!.GetValue<bool>(), Is.False, "a master rebuilt from nothing knows no cluster ID: the prefix decides");
        Assert.That(File.ReadAllBytes(here), Is.EqualTo(File.ReadAllBytes(Path.Combine(_masters.All[0].Snapshots, _snapshot))), "the snapshot's own bytes");
        Assert.That(Directory.GetFiles(rebuilt.Combine("snapshots")).Select(Path.GetFileName), Is.EquivalentTo(new[] { _snapshot, Path.ChangeExtension(_snapshot, ".json") }));
        Assert.That(File.ReadAllText(Path.ChangeExtension(here, ".json")), Does.Not.Contain("\"offsite\""), "a local manifest again");
        Assert.That(File.GetUnixFileMode(here), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
    }

    [Test, Order(4)]
    [CancelAfter(180_000)]
    public async Task WithoutUs_S3cmdAgeAndZstd_GiveTheSnapshotThatEtcdutlRestoresIntoAMemberServingEveryKey()
    {
        using var scratch = new TempDirectory("without-us");
        await GetAsync(_object, scratch.Combine("object"));
        var opened = await ProcessRunner.RunAsync("/bin/sh",
            ["-c", $"age -d -i {_identity} {scratch.Combine("object")} | zstd -d -q -o {scratch.Combine("snapshot.db")}"], timeout: TimeSpan.FromMinutes(1));
        Assert.That(opened.ExitCode, Is.Zero, opened.ToString);
        Assert.That(File.ReadAllBytes(scratch.Combine("snapshot.db")), Is.EqualTo(File.ReadAllBytes(Path.Combine(_masters.All[0].Snapshots, _snapshot))));

        var served = await SnapshotAgainstEtcdTests.RestoreAndReadAsync(EtcdBinaries.V35, scratch, scratch.Combine("snapshot.db"));

        Assert.That(served.Keys.Order(), Is.EqualTo(_keys));
    }
}
