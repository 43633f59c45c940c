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
internal sealed partial class FetchFromPeerTests
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
