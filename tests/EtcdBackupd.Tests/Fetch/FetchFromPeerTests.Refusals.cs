using EtcdBackupd.FileSystem;
using EtcdBackupd.Tests.Restore;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Fetch;

/// <summary>What a fetch refuses, and that a refusal leaves the snapshot directory as it was.</summary>
internal sealed partial class FetchFromPeerTests
{
    [Test]
    [CancelAfter(180_000)]
    public async Task Fetch_ANameNoPeerHas_FailsNotFoundNamingWhatWasAskedAndEachPeer()
    {
        await using var masters = await Masters.StartAsync(EtcdBinaries.V35);
        var m1 = masters.All[0];
        await ClusterRestoreTests.SnapshotAsync(masters);
        ReplaceTheDisk(m1);
        const string missing = "etcd-snapshot-20200101T000000Z-m9-r42.db";

        var fetch = await Backupctl.RunAsync(m1.Socket, "fetch", missing);

        Assert.That(fetch.ExitCode, Is.EqualTo(1), fetch.ToString);
        Assert.That(fetch.StandardError, Does.Contain("fetch failed (not_found)").And.Contain(missing)
            .And.Contain($"no {missing} in {masters.All[1].Snapshots}").And.Contain($"no {missing} in {masters.All[2].Snapshots}"));
        Assert.That(Directory.GetFileSystemEntries(m1.Snapshots), Is.Empty);
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task Fetch_IntoADirectoryWithoutRoomForTheSnapshotAndOneMebibyte_FailsAtOnceBlamingNoPeer()
    {
        await using var masters = await Masters.StartAsync(EtcdBinaries.V35);
        var m1 = masters.All[0];
        var snapshot = await SnapshotOnASecondMasterAsync(masters);
        var size = new FileInfo(Path.Combine(masters.All[1].Snapshots, snapshot)).Length;
        ReplaceTheDisk(m1);
        // The new disk, nearly full: the snapshot alone would fit, with 1 MiB to spare it does not.
        await using var disk = await Tmpfs.MountAsync(m1.Snapshots, "4m");
        disk.LeaveFree(size + (512 << 10));

        var fetch = await Backupctl.RunAsync(m1.Socket, "fetch", snapshot);

        Assert.That(fetch.ExitCode, Is.EqualTo(1), fetch.ToString);
        Assert.That(fetch.StandardError, Does.Contain("fetch failed (insufficient_space)").And.Contain($"{m1.Snapshots} has {ByteSize.Words(size + (512 << 10))} free")
            .And.Contain("nothing was downloaded").And.Not.Contain("127.0.0.1:"), fetch.ToString);
        Assert.That(Directory.GetFileSystemEntries(m1.Snapshots).Select(Path.GetFileName), Is.EqualTo(new[] { "filler.bin" }), "nothing was written");
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task Fetch_FromANonRootCaller_IsRefusedAndNothingIsDownloaded()
    {
        await using var masters = await Masters.StartAsync(EtcdBinaries.V35, (i, config) => config["Control"]!["Group"] = "nogroup");
        var m1 = masters.All[0];
        await ClusterRestoreTests.SnapshotAsync(masters);
        ReplaceTheDisk(m1);

        var fetch = await Backupctl.RunAsAsync("nobody", "nogroup", m1.Socket, "fetch", "--newest");

        Assert.That(fetch.ExitCode, Is.EqualTo(1), fetch.ToString);
        Assert.That(fetch.StandardError, Does.Contain("(forbidden)").And.Contain("'fetch' needs root"));
        Assert.That(Directory.GetFileSystemEntries(m1.Snapshots), Is.Empty);
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task Fetch_FromAPeerNotInPeersTargets_IsABadRequestListingThoseThatAre_AndOffsiteWithoutTargetsSaysNoneIsConfigured()
    {
        await using var masters = await Masters.StartAsync(EtcdBinaries.V35);
        var m1 = masters.All[0];
        const string name = "etcd-snapshot-20200101T000000Z-m9-r42.db";

        var unknown = await Backupctl.RunAsync(m1.Socket, "fetch", "--from", "peer:10.9.9.9", name);
        var offsite = await Backupctl.RunAsync(m1.Socket, "fetch", "--from", "offsite:s3", "--newest");

        Assert.That(unknown.ExitCode, Is.EqualTo(2), unknown.ToString);
        Assert.That(unknown.StandardError, Does.Contain("(bad_request)").And.Contain("unknown peer 'peer:10.9.9.9'")
            .And.Contain($"Peers.Targets has 127.0.0.1:{masters.Ssh!.Port}"));
        Assert.That(offsite.ExitCode, Is.EqualTo(2), offsite.ToString);
        Assert.That(offsite.StandardError, Does.Contain("(bad_request)").And.Contain("no off-site target is configured (Offsite.Targets is empty)"));
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task Fetch_WhenThePeersHostKeyDoesNotMatchKnownHosts_IsRefusedHostKeyRefusedAndDownloadsNothing()
    {
        using var keys = new TempDirectory("fetch-keys");
        var otherKey = (await File.ReadAllTextAsync(await SshServer.KeyPairAsync(keys.Combine("other")) + ".pub")).Split(' ');
        var knownHosts = keys.Combine("known_hosts");
        await using var masters = await Masters.StartAsync(EtcdBinaries.V35, (i, config) =>
        {
            if (i == 0)
            {
                // Another key pinned for the peers' address: what a man in the middle would present.
                var port = config["Peers"]!["Targets"]![0]!["Port"]!.GetValue<int>();
                File.WriteAllText(knownHosts, $"[127.0.0.1]:{port} {otherKey[0]} {otherKey[1]}\n");
                config["Peers"]!["KnownHostsFile"] = knownHosts;
            }
        });
        var m1 = masters.All[0];
        var snapshot = await SnapshotOnASecondMasterAsync(masters);
        ReplaceTheDisk(m1);

        var fetch = await Backupctl.RunAsync(m1.Socket, "fetch", snapshot);

        Assert.That(fetch.ExitCode, Is.EqualTo(1), fetch.ToString);
        Assert.That(fetch.StandardError, Does.Contain("fetch failed (host_key_refused)").And.Contain("CHANGED"));
        Assert.That(Directory.GetFileSystemEntries(m1.Snapshots), Is.Empty);
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task Fetch_ACopyWithAByteFlippedOnEveryPeer_IsRefusedAndLeavesNothingInTheDirectory()
    {
        await using var masters = await Masters.StartAsync(EtcdBinaries.V35);
        var m1 = masters.All[0];
        await ClusterRestoreTests.WriteKubernetesLikeKeysAsync(masters);
        var snapshot = await ClusterRestoreTests.SnapshotAsync(masters);
        ReplaceTheDisk(m1);
        FlipAByteInTheMiddle(Path.Combine(masters.All[1].Snapshots, snapshot));
        FlipAByteInTheMiddle(Path.Combine(masters.All[2].Snapshots, snapshot));

        var fetch = await Backupctl.RunAsync(m1.Socket, "fetch", snapshot);

        Assert.That(fetch.ExitCode, Is.EqualTo(1), fetch.ToString);
        Assert.That(fetch.StandardError, Does.Contain("fetch failed (invalid_snapshot)").And.Contain("fails etcd's SHA-256 trailer check")
            .And.Contain("differs from its manifest"));
        Assert.That(Directory.GetFileSystemEntries(m1.Snapshots), Is.Empty, "no snapshot, no manifest, no .part");
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task Fetch_ANameHereWithOtherContents_IsRefusedExistsAndTheFileHereIsKept()
    {
        await using var masters = await Masters.StartAsync(EtcdBinaries.V35);
        var m1 = masters.All[0];
        var snapshot = await ClusterRestoreTests.SnapshotAsync(masters);
        var here = Path.Combine(m1.Snapshots, snapshot);
        FlipAByteInTheMiddle(here);
        var ours = File.ReadAllBytes(here);

        var fetch = await Backupctl.RunAsync(m1.Socket, "fetch", snapshot);

        Assert.That(fetch.ExitCode, Is.EqualTo(1), fetch.ToString);
        Assert.That(fetch.StandardError, Does.Contain("fetch failed (exists)").And.Contain($"{here} exists and differs from the peer's copy"));
        Assert.That(File.ReadAllBytes(here), Is.EqualTo(ours), "never replaced");
        Assert.That(Directory.GetFiles(m1.Snapshots, "*.part"), Is.Empty);
    }

    [Test]
    [CancelAfter(240_000)]
    public async Task FetchNewest_FromAPeerHoldingAnotherClustersNewerSnapshot_TakesThisClusters_AndRefusesWhenThisMasterRecordsNoCluster()
    {
        await using var masters = await Masters.StartAsync(EtcdBinaries.V35);
        var m1 = masters.All[0];
        var ours = await ClusterRestoreTests.SnapshotAsync(masters);
        await Task.Delay(1100);
        // A backup host other clusters push to as well: a newer snapshot there, of cluster abc123.
        var theirs = AnotherClustersCopy(masters.All[1].Snapshots, ours, "abc123");
        ReplaceTheDisk(m1);

        var fetched = await Backupctl.RunAsync(m1.Socket, "fetch", "--newest");
        var byName = await Backupctl.RunAsync(m1.Socket, "fetch", theirs);
        ReplaceTheDisk(m1);
        File.Delete(Path.Combine(masters.StateDirectory(m1), "cluster-lineage.json"));
        var unknown = await Backupctl.RunAsync(m1.Socket, "fetch", "--newest");
        var afterRefusal = Directory.GetFileSystemEntries(m1.Snapshots);
        // The same newest, its manifest now naming this cluster's ID before its own: a restore's new identity, one cluster.
        var theirsManifest = EtcdBackupd.Snapshots.SnapshotFileName.ManifestOf(Path.Combine(masters.All[1].Snapshots, theirs));
        var restoredLater = EtcdBackupd.Snapshots.ManifestFile.TryRead(theirsManifest)!;
        var ourId = EtcdBackupd.Snapshots.ManifestFile.TryRead(EtcdBackupd.Snapshots.SnapshotFileName.ManifestOf(Path.Combine(masters.All[1].Snapshots, ours)))!.ClusterId;
        File.WriteAllBytes(theirsManifest, (restoredLater with { Lineage = [ourId, "abc123"] }).ToJson());
        var oneCluster = await Backupctl.RunAsync(m1.Socket, "fetch", "--newest");

        Assert.That(fetched.ExitCode, Is.Zero, fetched.ToString);
        Assert.That(fetched.StandardOutput, Does.Contain(ours).And.Not.Contain(theirs));
        Assert.That(byName.ExitCode, Is.EqualTo(1), byName.ToString);
        Assert.That(byName.StandardError, Does.Contain("fetch failed (other_cluster)").And.Contain($"{theirs} in {masters.All[1].Snapshots} is a snapshot of cluster abc123"));
        Assert.That(unknown.ExitCode, Is.EqualTo(1), unknown.ToString);
        Assert.That(unknown.StandardError, Does.Contain("fetch failed (other_cluster)")
            .And.Contain($"the newest snapshot on the peers, {theirs}, is of cluster abc123, and they also hold snapshots of {ourId}").And.Contain("nothing was fetched"));
        Assert.That(afterRefusal, Is.Empty, "nothing was fetched when the newest could be another cluster's");
        Assert.That(oneCluster.ExitCode, Is.Zero, oneCluster.ToString);
        Assert.That(Directory.GetFiles(m1.Snapshots).Select(Path.GetFileName), Does.Contain(theirs),
            "a newest whose manifest names the older snapshots' cluster as its own earlier ID is one cluster's");
    }

    /// <summary>A copy of <paramref name="good"/> under a name of now, its manifest naming cluster <paramref name="clusterId"/>: another cluster's snapshot.</summary>
    private static string AnotherClustersCopy(string directory, string good, string clusterId)
    {
        var now = DateTimeOffset.UtcNow;
        var name = System.Text.RegularExpressions.Regex.Replace(good, @"\d{8}T\d{6}Z", now.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture));
        File.Copy(Path.Combine(directory, good), Path.Combine(directory, name));
        var manifest = EtcdBackupd.Snapshots.ManifestFile.TryRead(EtcdBackupd.Snapshots.SnapshotFileName.ManifestOf(Path.Combine(directory, good)))!;
        File.WriteAllBytes(EtcdBackupd.Snapshots.SnapshotFileName.ManifestOf(Path.Combine(directory, name)),
            (manifest with { FileName = name, ClusterId = clusterId, CreatedAt = now, Lineage = [clusterId] }).ToJson());
        return name;
    }
}
