using System.Text.Json.Nodes;
using EtcdBackupd.Snapshots;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Retention;

/// <summary>A pin on three real masters whose daemons copy to each other over a real sshd, the first pruning its copies on the others.</summary>
[Parallelizable(ParallelScope.None)]
internal sealed class PinOnMastersTests
{
    [Test]
    [CancelAfter(300_000)]
    public async Task Pin_AnOldSnapshot_SurvivesRetentionHereAndOnAPruneTruePeerWhileAnUnpinnedOneAsOldGoesFromBoth()
    {
        await using var masters = await Masters.StartAsync(EtcdBinaries.V34, (i, config) =>
        {
            if (i == 0)
            {
                foreach (var target in config["Peers"]!["Targets"]!.AsArray())
                {
                    target!["Prune"] = true;
                }
            }
        });
        var (m1, m2, m3) = (masters.All[0], masters.All[1], masters.All[2]);
        var pinned = SyntheticSnapshots.Write(m1.Snapshots, DateTimeOffset.UtcNow.AddDays(-90), revision: 7, withManifest: true);
        var unpinned = SyntheticSnapshots.Write(m1.Snapshots, DateTimeOffset.UtcNow.AddDays(-91), revision: 6, withManifest: true);
        await using var connection = await masters.ConnectAsync(m1);
        var cluster = EtcdBackupd.Lineage.ClusterIds.Of(connection.Status.Header.ClusterId);
        foreach (var snapshot in new[] { pinned, unpinned })
        {
            // Of this cluster, as the daemon's own are: retention on a Prune: true peer weighs only those.
            File.WriteAllBytes(SnapshotFileName.ManifestOf(snapshot), (ManifestFile.TryRead(SnapshotFileName.ManifestOf(snapshot))! with { ClusterId = cluster }).ToJson());
            File.Copy(snapshot, Path.Combine(m2.Snapshots, Path.GetFileName(snapshot)));
            File.Copy(SnapshotFileName.ManifestOf(snapshot), Path.Combine(m2.Snapshots, Path.GetFileName(SnapshotFileName.ManifestOf(snapshot))));
        }

        var pin = await Backupctl.RunAsync(m1.Socket, "pin", Path.GetFileName(pinned), "before-etcd-3.5.17", "--json");
        Assert.That(pin.ExitCode, Is.Zero, pin + masters.Log(m1));
        // m2 holds the snapshot and gets the manifest; m3 does not hold it and gets nothing.
        Assert.That(JsonNode.Parse(pin.StandardOutput)!["peers"]!.AsArray().Select(p => (p!["ok"]!.GetValue<bool>(), p["skipped"]!.GetValue<bool>())).Order(),
            Is.EqualTo(new[] { (true, false), (true, true) }), pin.ToString);
        Assert.That(ManifestFile.TryRead(Path.Combine(m2.Snapshots, Path.GetFileName(SnapshotFileName.ManifestOf(pinned))))?.Pin?.Label, Is.EqualTo("before-etcd-3.5.17"));
        Assert.That(File.Exists(Path.Combine(m3.Snapshots, Path.GetFileName(SnapshotFileName.ManifestOf(pinned)))), Is.False);

        // Three new snapshots, each copied to the peers and each followed by retention here and on the Prune: true peers.
        for (var i = 0; i < 3; i++)
        {
            await masters.PutAsync($"/registry/configmaps/pin-{i}", "x");
            var taken = await Backupctl.RunAsync(m1.Socket, "snapshot");
            Assert.That(taken.ExitCode, Is.Zero, taken + masters.Log(m1));
        }

        Assert.That((File.Exists(pinned), File.Exists(unpinned)), Is.EqualTo((true, false)), masters.Log(m1));
        Assert.That((File.Exists(Path.Combine(m2.Snapshots, Path.GetFileName(pinned))), File.Exists(Path.Combine(m2.Snapshots, Path.GetFileName(unpinned)))),
            Is.EqualTo((true, false)), masters.Log(m1));
    }

    [Test]
    [CancelAfter(240_000)]
    public async Task OneShotSnapshotWithPin_PinsTheManifestHereAndInEveryPeersCopy_AndABadLabelIsUsage()
    {
        await using var masters = await Masters.StartAsync(EtcdBinaries.V35);
        var m1 = masters.All[0];
        var config = Path.Combine(Path.GetDirectoryName(m1.Socket)!, "config.json");

        var bad = await Backupd.RunAsync("snapshot", "--config", config, "--pin", "no spaces allowed");
        var taken = await Backupd.RunAsync("snapshot", "--config", config, "--json", "--pin", "before-upgrade");

        Assert.That(bad.ExitCode, Is.EqualTo(2), bad.ToString);
        Assert.That(bad.StandardError, Does.Contain("--pin"));
        Assert.That(taken.ExitCode, Is.Zero, taken.ToString);
        var result = JsonNode.Parse(taken.StandardOutput)!;
        var name = Path.GetFileName((string)result["path"]!);
        Assert.That((string?)result["pinned"]?["pin"]?["label"], Is.EqualTo("before-upgrade"), taken.StandardOutput);
        foreach (var m in masters.All)
        {
            Assert.That(ManifestFile.TryRead(Path.Combine(m.Snapshots, Path.GetFileName(SnapshotFileName.ManifestOf(name))))?.Pin?.Label,
                Is.EqualTo("before-upgrade"), $"{m.Name}'s manifest");
        }
    }
}
