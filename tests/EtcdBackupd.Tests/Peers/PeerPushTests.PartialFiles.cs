using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Peers;

/// <summary>The <c>.part</c> files on a peer: a cut upload's is removed at the next connection.</summary>
internal sealed partial class PeerPushTests
{
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
}
