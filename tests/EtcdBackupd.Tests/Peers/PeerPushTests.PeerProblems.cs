using EtcdBackupd.Peers;
using EtcdBackupd.Snapshots;
using EtcdBackupd.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

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
        var needed = new FileInfo(snapshot.Path).Length + new FileInfo(SnapshotFileName.ManifestOf(snapshot.Path)).Length + EtcdBackupd.FileSystem.FreeSpace.Headroom;

        var results = await Pusher(KnownHosts(run, _a.KnownHostsLine), Target(_a, tmpfs.Path)).PushAsync(snapshot, CancellationToken.None);

        Assert.That(results[0].Error, Is.EqualTo($"the peer has 1.0 MiB free in {tmpfs.Path}, the snapshot needs {needed / (double)(1 << 20):F1} MiB"));
        Assert.That(results[0].Attempts, Is.EqualTo(1), "a retry would meet the same disk");
        Assert.That(Directory.GetFileSystemEntries(tmpfs.Path), Is.Empty, "not a byte was sent");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Push_PeerDiskFillsMidUpload_SaysNoSpaceLeftAndRemovesThePart()
    {
        using var run = new TempDirectory("fills");
        await using var tmpfs = await Tmpfs.MountAsync(run.Combine("peer"), "16m");
        string? filler = null;
        // The free-space check passes; the disk fills while the snapshot is on its way.
        var pusher = new PeerPusher(Options(KnownHosts(run, _a.KnownHostsLine), attempts: 2, Target(_a, tmpfs.Path)), TimeProvider.System, NullLogger.Instance)
        {
            OnUploaded = (_, uploaded) => filler ??= uploaded > 1 << 20 ? tmpfs.FillUp() : null,
        };

        var results = await pusher.PushAsync(Snapshot(run, 8 << 20), CancellationToken.None);

        Assert.That(filler, Is.Not.Null, "the upload finished before the disk could be filled");
        Assert.That(results[0].Error, Is.EqualTo($"no space left on the peer in {tmpfs.Path}"));
        Assert.That(Directory.GetFiles(tmpfs.Path), Is.EqualTo(new[] { filler }));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Push_PeerManifestOverTheBound_IsNotReadAndTheCopyIsSentAgain()
    {
        using var run = new TempDirectory("huge-manifest");
        var peer = Dir(run, "peer");
        var snapshot = Snapshot(run, 64 << 10);
        var name = Path.GetFileName(snapshot.Path);
        File.Copy(snapshot.Path, Path.Combine(peer, name));
        // A valid manifest of the same copy, padded past the bound: read whole, it would pass as "identical".
        var manifest = File.ReadAllText(SnapshotFileName.ManifestOf(snapshot.Path));
        File.WriteAllText(Path.Combine(peer, Path.GetFileName(SnapshotFileName.ManifestOf(snapshot.Path))), new string(' ', PeerManifests.MaxBytes) + manifest);

        var results = await Pusher(KnownHosts(run, _a.KnownHostsLine), Target(_a, peer)).PushAsync(snapshot, CancellationToken.None);

        Assert.That((results[0].Ok, results[0].Skipped), Is.EqualTo((true, false)), results[0].Error);
        Assert.That(File.ReadAllText(Path.Combine(peer, Path.GetFileName(SnapshotFileName.ManifestOf(snapshot.Path)))), Is.EqualTo(manifest));
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

    [Test]
    [CancelAfter(60_000)]
    public async Task Push_PeerDirectoryMissing_SaysSoAndCreatesNothing()
    {
        using var run = new TempDirectory("missing");
        var missing = run.Combine("no-such-dir");

        var results = await Pusher(KnownHosts(run, _a.KnownHostsLine), Target(_a, missing)).PushAsync(Snapshot(run, 64 << 10), CancellationToken.None);

        Assert.That(results[0].Error, Is.EqualTo($"the peer's directory {missing} does not exist"));
        Assert.That(results[0].Attempts, Is.EqualTo(1));
        Assert.That(Directory.Exists(missing), Is.False);
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Push_TwoTargetsBehindOneSshd_AreRecordedApart_SoOnesSuccessNeverHidesTheOthersFailure()
    {
        using var run = new TempDirectory("one-sshd");
        var here = Dir(run, "m2");
        var missing = run.Combine("m3-not-there");
        var ledger = new EtcdBackupd.State.CopyLedger(Dir(run, "state"));
        var pusher = new PeerPusher(Options(KnownHosts(run, _a.KnownHostsLine), attempts: 1, Target(_a, here), Target(_a, missing)), TimeProvider.System,
            NullLogger.Instance) { Ledger = ledger };

        var results = await pusher.PushAsync(Snapshot(run, 64 << 10), CancellationToken.None);

        var peer = $"127.0.0.1:{_a.Port}";
        Assert.That(ledger.Read().Select(r => (r.Peer, r.LastOk)), Is.EquivalentTo(new[] { (peer + here, (bool?)true), (peer + missing, false) }));
        Assert.That(results.Select(r => r.ToCopy()).Select(c => (c.Directory, c.IsOf(peer + here), c.IsOf(peer + missing))),
            Is.EqualTo(new[] { ((string?)here, true, false), (missing, false, true) }));
    }
}
