using System.Text.Json.Nodes;
using EtcdBackupd.Peers;
using EtcdBackupd.Retention;
using EtcdBackupd.Snapshots;
using EtcdBackupd.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EtcdBackupd.Tests.Peers;

/// <summary>A real etcd, the real program, real sshd peers.</summary>
[Parallelizable(ParallelScope.None)]
internal sealed class PeerEndToEndTests
{
    [Test]
    [CancelAfter(120_000)]
    public async Task SnapshotCommand_WithPeers_CopiesItAndReportsEachPeerInItsJson()
    {
        using var dir = new TempDirectory("e2e-peers");
        var identity = await SshServer.KeyPairAsync(dir.Combine("id_ed25519"));
        await using var peer = await SshServer.StartAsync(dir, "peer", identity + ".pub");
        await using var cluster = await EtcdCluster.StartAsync(EtcdBinaries.V34, 1);
        await Snapshots.SnapshotAgainstEtcdTests.WriteRegistryKeysAsync(cluster, 20);
        var local = Directory.CreateDirectory(dir.Combine("local")).FullName;
        var remote = Directory.CreateDirectory(dir.Combine("remote")).FullName;
        await File.WriteAllTextAsync(dir.Combine("known_hosts"), peer.KnownHostsLine + "\n");
        var down = EtcdCluster.FreePort();
        var config = new JsonObject
        {
            ["Etcd"] = new JsonObject { ["Endpoints"] = new JsonArray(cluster.Members[0].ClientUrl.ToString()) },
            ["Snapshots"] = new JsonObject { ["Directory"] = local },
            ["Peers"] = new JsonObject
            {
                ["IdentityFile"] = identity,
                ["KnownHostsFile"] = dir.Combine("known_hosts"),
                ["Attempts"] = 1,
                ["Targets"] = new JsonArray(
                    new JsonObject { ["Host"] = "127.0.0.1", ["Port"] = peer.Port, ["Directory"] = remote },
                    new JsonObject { ["Host"] = "127.0.0.1", ["Port"] = down, ["Directory"] = remote }),
            },
        };

        // Exit 5: the snapshot is saved, a copy failed (a script can tell that apart from a failed snapshot, 1).
        var result = Backupd.ParseResult(await Backupd.SnapshotAsync(Backupd.WriteConfig(dir.Combine("config.json"), config)), exitCode: 5);

        var peers = result["peers"]!.AsArray();
        Assert.That(peers[0]!["ok"]!.GetValue<bool>(), Is.True, peers.ToJsonString());
        Assert.That(peers[0]!["host"]!.GetValue<string>(), Is.EqualTo("127.0.0.1"));
        Assert.That(peers[1]!["ok"]!.GetValue<bool>(), Is.False, "a dead peer is reported, and does not fail the snapshot");
        Assert.That(peers[1]!["error"]!.GetValue<string>(), Does.Contain("cannot connect"));
        var name = Path.GetFileName(result["path"]!.GetValue<string>());
        Assert.That(await File.ReadAllBytesAsync(Path.Combine(remote, name)), Is.EqualTo(await File.ReadAllBytesAsync(Path.Combine(local, name))));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task RemoteRetention_OnATargetWithoutADaemon_PrunesOldCopiesKeepingTheMinimum()
    {
        using var dir = new TempDirectory("remote-prune");
        var identity = await SshServer.KeyPairAsync(dir.Combine("id_ed25519"));
        await using var peer = await SshServer.StartAsync(dir, "peer", identity + ".pub");
        await File.WriteAllTextAsync(dir.Combine("known_hosts"), peer.KnownHostsLine + "\n");
        var now = new DateTimeOffset(2026, 11, 24, 6, 0, 0, TimeSpan.Zero);
        var local = Directory.CreateDirectory(dir.Combine("local")).FullName;
        var remote = Directory.CreateDirectory(dir.Combine("remote")).FullName;
        var copies = new[] { 1, 2, 40, 41 }.Select(days => SyntheticSnapshots.Write(local, now.AddDays(-days), withManifest: true)).ToList();
        copies.ForEach(c =>
        {
            File.Copy(c, Path.Combine(remote, Path.GetFileName(c)));
            File.Copy(SnapshotFileName.ManifestOf(c), Path.Combine(remote, Path.GetFileName(SnapshotFileName.ManifestOf(c))));
        });
        File.WriteAllText(Path.Combine(remote, "operator-notes.txt"), "not ours");
        var options = new PeersOptions
        {
            IdentityFile = identity,
            KnownHostsFile = dir.Combine("known_hosts"),
            Targets = [new PeerTarget { Host = "127.0.0.1", Port = peer.Port, Directory = remote, Prune = true }],
        };

        await new RemoteRetention(options, new RetentionOptions { RetentionDays = 30, MinimumKept = 2 }, new SnapshotDirectory(local),
            new FakeTimeProvider(now), NullLogger<RemoteRetention>.Instance).PruneAsync(CancellationToken.None);

        var left = Directory.GetFiles(remote).Select(Path.GetFileName).Order().ToArray();
        Assert.That(left, Is.EqualTo(new[] { 1, 2 }.SelectMany(d => Names(copies[d - 1])).Append("operator-notes.txt").Order().ToArray()));
    }

    private static string[] Names(string snapshot) => [Path.GetFileName(snapshot), Path.GetFileName(SnapshotFileName.ManifestOf(snapshot))];
}
