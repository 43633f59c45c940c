using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Fetch;

/// <summary>Off-site fetches that must not bring anything: each refused in a sentence, nothing placed, the daemon still serving.</summary>
internal sealed partial class FetchFromOffsiteTests
{
    [Test, Order(10)]
    [CancelAfter(120_000)]
    public async Task Fetch_ANameOfAnotherClusterUnderOurPrefix_IsRefusedOtherClusterAndANameNotThereIsNotFound()
    {
        var m1 = _masters.All[0];
        var other = await CraftAsync("etcd-snapshot-20200101T000000Z-m9-r42.db", b => b, m => m["clusterId"] = "abc123");
        var before = Files(m1);

        var foreign = await Backupctl.RunAsync(m1.Socket, "fetch", "--from", "offsite", other);
        var absent = await Backupctl.RunAsync(m1.Socket, "fetch", "--from", "offsite:main", "etcd-snapshot-20200102T000000Z-m9-r43.db");

        Assert.That(foreign.ExitCode, Is.EqualTo(1), foreign.ToString);
        Assert.That(foreign.StandardError, Does.Contain("(other_cluster)").And.Contain("is a snapshot of cluster abc123, which is not this cluster"));
        Assert.That(absent.ExitCode, Is.EqualTo(1), absent.ToString);
        Assert.That(absent.StandardError, Does.Contain("(not_found)").And.Contain($"no etcd-snapshot-20200102T000000Z-m9-r43.db with its manifest in s3://{_bucket}/{Prefix}"));
        await AssertNothingPlacedAndServingAsync(m1, before);
    }

    [Test, Order(11)]
    [CancelAfter(120_000)]
    public async Task Fetch_AnObjectTamperedWith_IsRefusedInvalidAndNothingIsPlaced()
    {
        var m1 = _masters.All[0];
        var tampered = await CraftAsync("etcd-snapshot-20200103T000000Z-m1-r44.db", b =>
        {
            b[b.Length / 2] ^= 0x01;
            return b;
        }, _ => { });
        var before = Files(m1);

        var fetch = await Backupctl.RunAsync(m1.Socket, "fetch", "--from", "offsite", tampered);

        Assert.That(fetch.ExitCode, Is.EqualTo(1), fetch.ToString);
        Assert.That(fetch.StandardError, Does.Contain("(invalid_snapshot)").And.Contain("does not authenticate").And.Contain("Nothing was kept"));
        await AssertNothingPlacedAndServingAsync(m1, before);
    }

    [Test, Order(12)]
    [CancelAfter(120_000)]
    public async Task Fetch_AnObjectEncryptedToAnotherKey_OrWithNoIdentityConfigured_SaysSoAndPlacesNothing()
    {
        var m1 = _masters.All[0];
        var m3 = _masters.All[2];
        using var scratch = new TempDirectory("other-key");
        await GetAsync(_object, scratch.Combine("object"));
        var reencrypted = await ProcessRunner.RunAsync("/bin/sh",
            ["-c", $"age -d -i {_identity} {scratch.Combine("object")} | age -r {_otherRecipient} -o {scratch.Combine("other")}"]);
        Assert.That(reencrypted.ExitCode, Is.Zero, reencrypted.ToString);
        var otherKey = await CraftAsync("etcd-snapshot-20200104T000000Z-m1-r45.db", _ => File.ReadAllBytes(scratch.Combine("other")),
            m => m["offsite"]!["recipients"] = new System.Text.Json.Nodes.JsonArray(_otherRecipient));
        var (before1, before3) = (Files(m1), Files(m3));

        var wrong = await Backupctl.RunAsync(m1.Socket, "fetch", "--from", "offsite", otherKey);
        // Not the fixture's snapshot: the third master holds that one (pushed to it), and an identical file here needs no key.
        var none = await Backupctl.RunAsync(m3.Socket, "fetch", "--from", "offsite", otherKey);

        Assert.That(wrong.ExitCode, Is.EqualTo(1), wrong.ToString);
        Assert.That(wrong.StandardError, Does.Contain("(failed)").And.Contain("none of the 1 age identities given can open it").And.Contain(_otherRecipient));
        Assert.That(none.ExitCode, Is.EqualTo(1), none.ToString);
        Assert.That(none.StandardError, Does.Contain("(failed)").And.Contain("is encrypted with age").And.Contain("no Offsite.AgeIdentityFile is configured"));
        await AssertNothingPlacedAndServingAsync(m1, before1);
        await AssertNothingPlacedAndServingAsync(m3, before3);
    }

    [Test, Order(13)]
    [CancelAfter(120_000)]
    public async Task Fetch_FromAMissingBucketOrAnEndpointWhereNothingListens_SaysWhichAndPlacesNothing()
    {
        var m2 = _masters.All[1];
        var before = Files(m2);

        var gone = await Backupctl.RunAsync(m2.Socket, "fetch", "--from", "offsite:gone", "--newest");
        var down = await Backupctl.RunAsync(m2.Socket, "fetch", "--from", "offsite:down", "--newest");
        var list = await Backupctl.RunAsync(m2.Socket, "list", "--offsite");

        Assert.That(gone.ExitCode, Is.EqualTo(1), gone.ToString);
        Assert.That(gone.StandardError, Does.Contain("gone: bucket no-such-bucket-here does not exist"));
        Assert.That(down.ExitCode, Is.EqualTo(1), down.ToString);
        Assert.That(down.StandardError, Does.Contain("down: cannot reach 127.0.0.1:"));
        Assert.That(list.ExitCode, Is.EqualTo(1), list.ToString);
        Assert.That(list.StandardOutput, Does.Contain("UNREADABLE: bucket no-such-bucket-here does not exist").And.Contain(_snapshot), "the good target is listed all the same");
        await AssertNothingPlacedAndServingAsync(m2, before);
    }

    [Test, Order(100)]
    [CancelAfter(300_000)]
    public async Task FetchNewest_AfterEveryMastersDirectoryAndDataWereLost_PassesOverACopyNamedAhead_ThenTheClusterRestoreBringsBackEveryKey()
    {
        var m1 = _masters.All[0];
        // As a master whose clock ran a month ahead named it: it sorts first, and may hold older data than any other.
        var ahead = await CraftAsync(EtcdBackupd.Snapshots.SnapshotFileName.Build(DateTimeOffset.UtcNow.AddDays(30), "m1", 1), b => b, _ => { });
        await _masters.PutAsync("/registry/pods/default/written-after-the-snapshot", "{}");
        foreach (var m in _masters.All)
        {
            foreach (var entry in Directory.GetFileSystemEntries(m.Snapshots))
            {
                File.Delete(entry);
            }
        }

        _masters.LoseTheData();

        var fetch = await Backupctl.RunAsync(m1.Socket, "fetch", "--from", "offsite", "--newest");
        var restore = await Backupctl.RunAsync(m1.Socket, "restore", _snapshot, "--cluster", "--yes");

        Assert.That(fetch.ExitCode, Is.Zero, fetch.ToString);
        Assert.That(fetch.StandardOutput, Does.Contain(_snapshot).And.Contain("off-site target main").And.Not.Contain(ahead));
        Assert.That(restore.ExitCode, Is.Zero, () => restore + string.Join("\n", _masters.All.Select(_masters.Log)));
        foreach (var m in _masters.All)
        {
            Assert.That(await _masters.RegistryKeysAsync(m), Is.EqualTo(_keys), $"{m.Name} serves the off-site snapshot's keys, and only those");
        }
    }

    /// <summary>The directory as it was (no file, no .part), and the daemon still answers.</summary>
    private static async Task AssertNothingPlacedAndServingAsync(Master master, string[] before)
    {
        Assert.That(Files(master), Is.EqualTo(before), $"{master.Name}: nothing placed in the directory");
        var list = await Backupctl.RunAsync(master.Socket, "list");
        Assert.That(list.ExitCode, Is.Zero, () => $"{master.Name}'s daemon still serves: {list}");
    }
}
