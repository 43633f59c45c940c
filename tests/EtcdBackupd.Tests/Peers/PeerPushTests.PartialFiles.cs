using EtcdBackupd.Snapshots;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Peers;

/// <summary>The <c>.part</c> files on a peer: a cut upload's is removed at the next connection, abandoned ones at any push.</summary>
internal sealed partial class PeerPushTests
{
    [Test]
    [CancelAfter(60_000)]
    public async Task Push_StalePartsOnThePeer_GoAndFreshOnesAndOtherFilesStay()
    {
        using var run = new TempDirectory("stale");
        var peer = Dir(run, "a");
        var old = SnapshotFileName.Build(DateTimeOffset.UtcNow.AddDays(-2), "m1", 5);
        var stale = Part(peer, old + ".part", TimeSpan.FromHours(25));
        var staleManifest = Part(peer, SnapshotFileName.ManifestOf(old) + ".part", TimeSpan.FromHours(25));
        var fresh = Part(peer, SnapshotFileName.Build(DateTimeOffset.UtcNow, "m1", 6) + ".part", TimeSpan.FromMinutes(5));
        var foreign = Part(peer, "notes.part", TimeSpan.FromDays(3));

        var results = await Pusher(KnownHosts(run, _a.KnownHostsLine), Target(_a, peer)).PushAsync(Snapshot(run, 64 << 10), CancellationToken.None);

        Assert.That(results[0].Ok, Is.True, results[0].Error);
        Assert.That(new[] { stale, staleManifest, fresh, foreign }.Select(File.Exists), Is.EqualTo(new[] { false, false, true, true }));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Push_AfterAConnectionCutMidUpload_TheNextConnectionRemovesItsPart()
    {
        using var run = new TempDirectory("cut-part");
        var first = Snapshot(run, 32 << 20, revision: 1);
        var peer = Dir(run, "a");
        var (pusher, cut) = CutMidUpload(run, peer);
        await pusher.PushAsync(first, CancellationToken.None);
        var part = Path.Combine(peer, Path.GetFileName(first.Path) + ".part");
        Assert.That((cut(), File.Exists(part)), Is.EqualTo((true, true)), "the connection was cut, so the failed upload could not remove its part");

        var next = await pusher.PushAsync(Snapshot(run, 64 << 10, revision: 2), CancellationToken.None);

        Assert.That(next[0].Ok, Is.True, next[0].Error);
        Assert.That(File.Exists(part), Is.False);
    }

    private static string Part(string directory, string name, TimeSpan age)
    {
        var path = Path.Combine(directory, name);
        File.WriteAllText(path, "partial");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow - age);
        return path;
    }
}
