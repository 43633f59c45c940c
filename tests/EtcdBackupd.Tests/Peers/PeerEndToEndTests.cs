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
internal sealed partial class PeerEndToEndTests
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
        var (local, remote) = (Directory.CreateDirectory(dir.Combine("local")).FullName, Directory.CreateDirectory(dir.Combine("remote")).FullName);
        await using var peer = await PruneTargetAsync(dir, remote);
        var copies = new[] { 1, 2, 40, 41 }.Select(days => SyntheticSnapshots.Write(local, Now.AddDays(-days), withManifest: true)).ToList();
        copies.ForEach(c => CopyTo(remote, c));
        File.WriteAllText(Path.Combine(remote, "operator-notes.txt"), "not ours");

        await peer.Retention(local).PruneAsync(CancellationToken.None);

        var left = Directory.GetFiles(remote).Select(Path.GetFileName).Order().ToArray();
        Assert.That(left, Is.EqualTo(new[] { 1, 2 }.SelectMany(d => Names(copies[d - 1])).Append("operator-notes.txt").Order().ToArray()));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task RemoteRetention_OnABackupHostAnotherClusterPushesTo_LeavesThatClustersCopiesAlone()
    {
        using var dir = new TempDirectory("remote-shared");
        var (local, remote, other) = (Directory.CreateDirectory(dir.Combine("local")).FullName, Directory.CreateDirectory(dir.Combine("remote")).FullName,
            Directory.CreateDirectory(dir.Combine("other-cluster")).FullName);
        await using var peer = await PruneTargetAsync(dir, remote);
        var ours = new[] { 1, 2, 40 }.Select(days => SyntheticSnapshots.Write(local, Now.AddDays(-days), withManifest: true)).ToList();
        ours.ForEach(c => CopyTo(remote, c));
        // Another cluster's masters, with a longer window of their own: copies this master never had.
        var theirs = new[] { 41, 60 }.Select(days => SyntheticSnapshots.Write(other, Now.AddDays(-days), member: "other", withManifest: true)).ToList();
        foreach (var copy in theirs)
        {
            var manifest = ManifestFile.TryRead(SnapshotFileName.ManifestOf(copy))! with { ClusterId = "2" };
            File.WriteAllBytes(SnapshotFileName.ManifestOf(copy), manifest.ToJson());
            CopyTo(remote, copy);
        }

        await peer.Retention(local).PruneAsync(CancellationToken.None);

        var left = Directory.GetFiles(remote).Select(Path.GetFileName).Order().ToArray();
        Assert.That(left, Is.EqualTo(new[] { ours[0], ours[1], theirs[0], theirs[1] }.SelectMany(Names).Order().ToArray()),
            "ours past the window goes; the other cluster's stay, however old");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task RemoteRetention_OnATargetWithoutADaemon_RemovesPartsUntouchedForADayAndKeepsFreshOnes()
    {
        using var dir = new TempDirectory("remote-parts");
        var (local, remote) = (Directory.CreateDirectory(dir.Combine("local")).FullName, Directory.CreateDirectory(dir.Combine("remote")).FullName);
        await using var peer = await PruneTargetAsync(dir, remote);
        var stale = Path.Combine(remote, SnapshotFileName.Build(Now.AddDays(-2), "m1", 5) + ".part");
        var fresh = Path.Combine(remote, SnapshotFileName.Build(Now, "m1", 6) + ".part");
        File.WriteAllText(stale, "partial");
        File.WriteAllText(fresh, "partial");
        File.SetLastWriteTimeUtc(stale, Now.AddHours(-25).UtcDateTime);
        File.SetLastWriteTimeUtc(fresh, Now.AddMinutes(-5).UtcDateTime);

        await peer.Retention(local).PruneAsync(CancellationToken.None);

        Assert.That((File.Exists(stale), File.Exists(fresh)), Is.EqualTo((false, true)));
    }

    private static readonly DateTimeOffset Now = new(2026, 11, 24, 6, 0, 0, TimeSpan.Zero);

    /// <summary>An sshd whose directory <paramref name="remote"/> is a <c>Prune: true</c> target, and the retention of it at <see cref="Now"/>.</summary>
    private static async Task<PruneTarget> PruneTargetAsync(TempDirectory dir, string remote)
    {
        var identity = await SshServer.KeyPairAsync(dir.Combine("id_ed25519"));
        var server = await SshServer.StartAsync(dir, "peer", identity + ".pub");
        await File.WriteAllTextAsync(dir.Combine("known_hosts"), server.KnownHostsLine + "\n");
        return new PruneTarget(server, new PeersOptions
        {
            IdentityFile = identity,
            KnownHostsFile = dir.Combine("known_hosts"),
            Targets = [new PeerTarget { Host = "127.0.0.1", Port = server.Port, Directory = remote, Prune = true }],
        });
    }

    private sealed record PruneTarget(SshServer Server, PeersOptions Options) : IAsyncDisposable
    {
        public RemoteRetention Retention(string local) => new(Options, new RetentionOptions { RetentionDays = 30, MinimumKept = 2 },
            new SnapshotDirectory(local), new FakeTimeProvider(Now), NullLogger<RemoteRetention>.Instance);

        public ValueTask DisposeAsync() => Server.DisposeAsync();
    }

    private static string[] Names(string snapshot) => [Path.GetFileName(snapshot), Path.GetFileName(SnapshotFileName.ManifestOf(snapshot))];
}
