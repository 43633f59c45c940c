using EtcdBackupd.Peers;
using EtcdBackupd.Snapshots;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Peers;

/// <summary>A peer that cannot take the copy: each says why in a sentence, and leaves no <c>.part</c> behind.</summary>
internal sealed partial class PeerPushTests
{
    [Test]
    [CancelAfter(60_000)]
    public async Task Push_PeerDiskTooSmall_IsRefusedBeforeSendingWithBothNumbers()
    {
        using var run = new TempDirectory("small");
        await using var tmpfs = await Tmpfs.MountAsync(run.Combine("peer"), "1m");
        var snapshot = Snapshot(run, 4 << 20);
        var needed = new FileInfo(snapshot.Path).Length + new FileInfo(SnapshotFileName.ManifestOf(snapshot.Path)).Length + PeerSpace.Margin;

        var results = await Pusher(KnownHosts(run, _a.KnownHostsLine), Target(_a, tmpfs.Path)).PushAsync(snapshot, CancellationToken.None);

        Assert.That(results[0].Error, Is.EqualTo($"the peer has 1.0 MiB free in {tmpfs.Path}, the snapshot needs {needed / (double)(1 << 20):F1} MiB"));
        Assert.That(results[0].Attempts, Is.EqualTo(1), "a retry would meet the same disk");
        Assert.That(Directory.GetFileSystemEntries(tmpfs.Path), Is.Empty, "not a byte was sent");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Push_PeerDirectoryNotWritableByTheUser_SaysPermissionDenied()
    {
        using var run = new TempDirectory("denied");
        var root = Dir(run, "root-only");

        var results = await Pusher(KnownHosts(run, _a.KnownHostsLine), Target(_a, root) with { User = "nobody" })
            .PushAsync(Snapshot(run, 64 << 10), CancellationToken.None);

        Assert.That(results[0].Error, Is.EqualTo($"permission denied on the peer's directory {root}"));
        Assert.That(results[0].Attempts, Is.EqualTo(1), "a retry would meet the same permissions");
        Assert.That(Directory.GetFileSystemEntries(root), Is.Empty);
    }
}
