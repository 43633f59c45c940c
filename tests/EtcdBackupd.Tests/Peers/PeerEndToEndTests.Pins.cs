using EtcdBackupd.Peers;
using EtcdBackupd.Snapshots;
using EtcdBackupd.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace EtcdBackupd.Tests.Peers;

/// <summary>Pins over a real sshd: remote retention keeps pinned copies, and a rewritten manifest reaches the peers that hold the snapshot.</summary>
internal sealed partial class PeerEndToEndTests
{
    private static readonly SnapshotPin Pin = new("before-etcd-3.5.17", Now);

    /// <summary>Rewrites the manifest of <paramref name="snapshot"/> with <paramref name="pin"/>, as a pin does.</summary>
    private static void WritePin(string snapshot, SnapshotPin? pin)
    {
        var manifest = SnapshotFileName.ManifestOf(snapshot);
        File.WriteAllBytes(manifest, (SnapshotManifest.FromJson(File.ReadAllBytes(manifest))! with { Pin = pin }).ToJson());
    }

    private static void CopyTo(string remote, string snapshot)
    {
        File.Copy(snapshot, Path.Combine(remote, Path.GetFileName(snapshot)), overwrite: true);
        File.Copy(SnapshotFileName.ManifestOf(snapshot), Path.Combine(remote, Path.GetFileName(SnapshotFileName.ManifestOf(snapshot))), overwrite: true);
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task RemoteRetention_ACopyPinnedInItsOwnManifestOrInOurs_IsKeptHowOldSoEverAndAnUnpinnedOneAsOldGoes()
    {
        using var dir = new TempDirectory("remote-pins");
        var (local, remote) = (Directory.CreateDirectory(dir.Combine("local")).FullName, Directory.CreateDirectory(dir.Combine("remote")).FullName);
        await using var peer = await PruneTargetAsync(dir, remote);
        var copies = new[] { 1, 2, 40, 41, 42 }.Select(days => SyntheticSnapshots.Write(local, Now.AddDays(-days), withManifest: true)).ToList();
        copies.ForEach(c => CopyTo(remote, c));
        // 40 days: pinned in the peer's manifest only; 41 days: in this node's only (its manifest did not reach the peer).
        WritePin(Path.Combine(remote, Path.GetFileName(copies[2])), Pin);
        WritePin(copies[3], Pin);

        await peer.Retention(local).PruneAsync(CancellationToken.None);

        var left = Directory.GetFiles(remote).Select(Path.GetFileName).Order().ToArray();
        Assert.That(left, Is.EqualTo(copies.Take(4).SelectMany(Names).Order().ToArray()));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task SendManifest_AfterAPin_ReachesThePeerThatHoldsTheSnapshotSkipsOneThatDoesNotAndNamesADeadOne()
    {
        using var dir = new TempDirectory("pin-manifest");
        var (local, holding, empty) = (Directory.CreateDirectory(dir.Combine("local")).FullName,
            Directory.CreateDirectory(dir.Combine("holding")).FullName, Directory.CreateDirectory(dir.Combine("empty")).FullName);
        await using var peer = await PruneTargetAsync(dir, holding);
        var snapshot = SyntheticSnapshots.Write(local, Now.AddDays(-1), withManifest: true);
        CopyTo(holding, snapshot);
        WritePin(snapshot, Pin);
        var target = peer.Options.Targets[0];
        var options = new PeersOptions
        {
            IdentityFile = peer.Options.IdentityFile, KnownHostsFile = peer.Options.KnownHostsFile, Timeout = TimeSpan.FromSeconds(20),
            Targets = [target, target with { Directory = empty }, target with { Port = EtcdCluster.FreePort() }],
        };

        var results = await new PeerPusher(options, TimeProvider.System, NullLogger.Instance).SendManifestAsync(snapshot, CancellationToken.None);

        Assert.That(results.Select(r => (r.Ok, r.Skipped)), Is.EqualTo(new[] { (true, false), (true, true), (false, false) }), string.Join("\n", results));
        Assert.That(results[2].Error, Does.Contain("cannot connect"));
        Assert.That(ManifestFile.TryRead(SnapshotFileName.ManifestOf(Path.Combine(holding, Path.GetFileName(snapshot))))?.Pin, Is.EqualTo(Pin));
        Assert.That(Directory.GetFiles(empty), Is.Empty, "a peer without the snapshot gets no manifest");
    }
}
