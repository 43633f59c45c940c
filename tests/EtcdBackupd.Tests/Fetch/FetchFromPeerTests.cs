using System.Text.Json.Nodes;
using EtcdBackupd.Snapshots;
using EtcdBackupd.Tests.Restore;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Fetch;

/// <summary>
/// A master whose disk was replaced gets its snapshots back with <c>etcd-backupctl fetch</c>: three masters
/// on loopback with real etcd members and daemons, the copies on the peers through a real sshd.
/// </summary>
[Parallelizable(ParallelScope.None)]
internal sealed class FetchFromPeerTests
{
    [Test]
    [CancelAfter(180_000)]
    public async Task FetchNewest_OnAMasterWhoseDiskWasReplaced_BringsTheNewestSnapshotVerifiedWithItsManifest()
    {
        await using var masters = await Masters.StartAsync(EtcdBinaries.V35);
        var m1 = masters.All[0];
        await ClusterRestoreTests.WriteKubernetesLikeKeysAsync(masters);
        var older = await ClusterRestoreTests.SnapshotAsync(masters);
        await masters.PutAsync("/registry/pods/default/newer", "{}");
        var newest = await ClusterRestoreTests.SnapshotAsync(masters);
        ReplaceTheDisk(m1);

        var fetch = await Backupctl.RunAsync(m1.Socket, "fetch", "--newest", "--json");
        var list = await Backupctl.RunAsync(m1.Socket, "list", "--json");

        Assert.That(fetch.ExitCode, Is.Zero, () => fetch + masters.Log(m1));
        var result = JsonNode.Parse(fetch.StandardOutput)!;
        var peerCopy = Path.Combine(masters.All[1].Snapshots, newest);
        var here = Path.Combine(m1.Snapshots, newest);
        Assert.That(newest, Is.Not.EqualTo(older));
        Assert.That(result["path"]!.GetValue<string>(), Is.EqualTo(here));
        Assert.That(result["peer"]!.GetValue<string>(), Is.EqualTo($"127.0.0.1:{masters.Ssh!.Port}"));
        Assert.That(result["peerDirectory"]!.GetValue<string>(), Is.EqualTo(masters.All[1].Snapshots), "the first peer in Peers.Targets that has it");
        Assert.That(result["sha256"]!.GetValue<string>(), Is.EqualTo(ManifestFile.TryRead(SnapshotFileName.ManifestOf(peerCopy))!.Sha256));
        Assert.That(File.ReadAllBytes(here), Is.EqualTo(File.ReadAllBytes(peerCopy)), "the same bytes as the peer's copy");
        Assert.That(File.ReadAllBytes(SnapshotFileName.ManifestOf(here)), Is.EqualTo(File.ReadAllBytes(SnapshotFileName.ManifestOf(peerCopy))), "with its manifest");
        Assert.That(File.GetUnixFileMode(here), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.That(Directory.GetFiles(m1.Snapshots).Select(Path.GetFileName), Is.EquivalentTo(new[] { newest, Path.ChangeExtension(newest, ".json") }),
            "the newest only, and no .part left");
        Assert.That(list.ExitCode, Is.Zero, list.ToString);
        var entries = JsonNode.Parse(list.StandardOutput)!.AsArray();
        Assert.That(entries.Select(e => (Path.GetFileName(e!["path"]!.GetValue<string>()), e["verification"]!.GetValue<string>())),
            Is.EqualTo(new[] { (newest, "ok") }), "list shows it, verified");
    }

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
    public async Task Fetch_FromAPeerNotInPeersTargets_IsABadRequestListingThoseThatAre_AndOffsiteIsNotAvailableYet()
    {
        await using var masters = await Masters.StartAsync(EtcdBinaries.V35);
        var m1 = masters.All[0];
        const string name = "etcd-snapshot-20200101T000000Z-m9-r42.db";

        var unknown = await Backupctl.RunAsync(m1.Socket, "fetch", "--from", "peer:10.9.9.9", name);
        var offsite = await Backupctl.RunAsync(m1.Socket, "fetch", "--from", "offsite:s3", "--newest");

        Assert.That(unknown.ExitCode, Is.EqualTo(2), unknown.ToString);
        Assert.That(unknown.StandardError, Does.Contain("(bad_request)").And.Contain("unknown peer 'peer:10.9.9.9'")
            .And.Contain($"Peers.Targets has 127.0.0.1:{masters.Ssh!.Port}"));
        Assert.That(offsite.ExitCode, Is.EqualTo(1), offsite.ToString);
        Assert.That(offsite.StandardError, Does.Contain("(failed)").And.Contain("off-site store (offsite:s3) is not available yet"));
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
    public async Task Fetch_ACopyCorruptOnTheFirstPeer_IsTakenFromTheNextPeerThatHasAGoodOne()
    {
        await using var masters = await Masters.StartAsync(EtcdBinaries.V35);
        var m1 = masters.All[0];
        var snapshot = await ClusterRestoreTests.SnapshotAsync(masters);
        ReplaceTheDisk(m1);
        FlipAByteInTheMiddle(Path.Combine(masters.All[1].Snapshots, snapshot));

        var fetch = await Backupctl.RunAsync(m1.Socket, "fetch", snapshot, "--json");

        Assert.That(fetch.ExitCode, Is.Zero, fetch.ToString);
        Assert.That(JsonNode.Parse(fetch.StandardOutput)!["peerDirectory"]!.GetValue<string>(), Is.EqualTo(masters.All[2].Snapshots));
        Assert.That(File.ReadAllBytes(Path.Combine(m1.Snapshots, snapshot)), Is.EqualTo(File.ReadAllBytes(Path.Combine(masters.All[2].Snapshots, snapshot))));
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task Fetch_ASnapshotHereAlreadyIdentical_AnswersAlreadyHereAndLeavesTheFileAsItWas()
    {
        await using var masters = await Masters.StartAsync(EtcdBinaries.V35);
        var m1 = masters.All[0];
        var snapshot = await ClusterRestoreTests.SnapshotAsync(masters);
        var here = Path.Combine(m1.Snapshots, snapshot);
        var written = File.GetLastWriteTimeUtc(here);

        var fetch = await Backupctl.RunAsync(m1.Socket, "fetch", snapshot, "--json");

        Assert.That(fetch.ExitCode, Is.Zero, fetch.ToString);
        Assert.That(JsonNode.Parse(fetch.StandardOutput)!["alreadyHere"]!.GetValue<bool>(), Is.True);
        Assert.That(File.GetLastWriteTimeUtc(here), Is.EqualTo(written));
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
    public async Task ClusterRestore_OfASnapshotFetchedAfterTheDiskWasReplaced_BringsBackEveryKey()
    {
        await using var masters = await Masters.StartAsync(EtcdBinaries.V35);
        var m1 = masters.All[0];
        var keys = await ClusterRestoreTests.WriteKubernetesLikeKeysAsync(masters);
        var snapshot = await ClusterRestoreTests.SnapshotAsync(masters);
        await masters.PutAsync("/registry/pods/default/written-after-the-snapshot", "{}");
        ReplaceTheDisk(m1);
        masters.LoseTheData();

        var fetch = await Backupctl.RunAsync(m1.Socket, "fetch", "--newest");
        var restore = await Backupctl.RunAsync(m1.Socket, "restore", snapshot, "--cluster", "--yes");

        Assert.That(fetch.ExitCode, Is.Zero, fetch.ToString);
        Assert.That(fetch.StandardOutput, Does.Contain(snapshot));
        Assert.That(restore.ExitCode, Is.Zero, () => restore + string.Join("\n", masters.All.Select(masters.Log)));
        foreach (var m in masters.All)
        {
            Assert.That(await masters.RegistryKeysAsync(m), Is.EqualTo(keys), $"{m.Name} serves the fetched snapshot's keys, and only those");
        }
    }

    /// <summary>A snapshot taken on the second master, which pushes it to the first and third; its file name.</summary>
    private static async Task<string> SnapshotOnASecondMasterAsync(Masters masters)
    {
        var result = await Backupctl.RunAsync(masters.All[1].Socket, "snapshot", "--json");
        Assert.That(result.ExitCode, Is.Zero, result.ToString);
        return Path.GetFileName(JsonNode.Parse(result.StandardOutput)!["path"]!.GetValue<string>());
    }

    /// <summary>The master's snapshot directory as a new disk leaves it: there, and empty.</summary>
    private static void ReplaceTheDisk(Master master)
    {
        foreach (var entry in Directory.GetFileSystemEntries(master.Snapshots))
        {
            File.Delete(entry);
        }
    }

    /// <summary>Bit rot on a peer: one byte in the middle inverted, the size and the manifest unchanged.</summary>
    private static void FlipAByteInTheMiddle(string path)
    {
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0xff;
        File.WriteAllBytes(path, bytes);
    }
}
