using EtcdBackupd.Health;
using EtcdBackupd.Snapshots;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Health;

/// <summary>Which snapshot the health verdict reads as the newest held here.</summary>
[Category("Fast")]
internal sealed class HeldSnapshotsTests
{
    [Test]
    public void Scan_ASnapshotNamedAYearAhead_IsPassedOverForTheNewestRealOne()
    {
        using var dir = new TempDirectory("held");
        var now = DateTimeOffset.UtcNow;
        SyntheticSnapshots.Write(dir.Path, now.AddDays(365), revision: 9, withManifest: true);
        var real = SyntheticSnapshots.Write(dir.Path, now.AddDays(-3), revision: 8, withManifest: true);

        var held = HeldSnapshots.Scan(new SnapshotDirectory(dir.Path), new SnapshotVerifier(), ownMemberId: "1", host: "test", now, [], CancellationToken.None);

        Assert.That(held.Newest?.Path, Is.EqualTo(real), "three days old, so the verdict sees a stale master, not a fresh one");
        Assert.That(held.NewestOwn?.Path, Is.EqualTo(real));
    }

    [Test]
    public void Scan_AnImportNamedByItsFilesModificationTime_IsNoProofOfARecentBackup()
    {
        using var dir = new TempDirectory("held");
        var now = DateTimeOffset.UtcNow;
        // An old cron-era file copied with plain cp: its modification time, so its name, is today.
        var copied = SyntheticSnapshots.Write(dir.Path, now.AddMinutes(-5), member: "imported", revision: 9, withManifest: true);
        var manifest = ManifestFile.TryRead(SnapshotFileName.ManifestOf(copied))! with { Imported = new SnapshotImport("/root/etcd-2024.db", now, HadManifest: false) };
        File.WriteAllBytes(SnapshotFileName.ManifestOf(copied), manifest.ToJson());
        var real = SyntheticSnapshots.Write(dir.Path, now.AddDays(-3), revision: 8, withManifest: true);

        var held = HeldSnapshots.Scan(new SnapshotDirectory(dir.Path), new SnapshotVerifier(), ownMemberId: "1", host: "test", now, [], CancellationToken.None);

        Assert.That(held.Newest?.Path, Is.EqualTo(real));
    }

    [Test]
    public void Scan_ANewerSnapshotOfAnotherCluster_IsPassedOver_WhileALineageNotYetKnownJudgesNone()
    {
        using var dir = new TempDirectory("held");
        var now = DateTimeOffset.UtcNow;
        // Pushed here by a peer of another cluster (a target list copied between clusters), an hour old.
        var foreign = SyntheticSnapshots.Write(dir.Path, now.AddHours(-1), member: "other", revision: 9, withManifest: true);
        var manifest = ManifestFile.TryRead(SnapshotFileName.ManifestOf(foreign))! with { ClusterId = "BEEF" };
        File.WriteAllBytes(SnapshotFileName.ManifestOf(foreign), manifest.ToJson());
        var ours = SyntheticSnapshots.Write(dir.Path, now.AddDays(-3), revision: 8, withManifest: true);

        var held = HeldSnapshots.Scan(new SnapshotDirectory(dir.Path), new SnapshotVerifier(), ownMemberId: "1", host: "test", now, ["1", "2a"], CancellationToken.None);
        var unknown = HeldSnapshots.Scan(new SnapshotDirectory(dir.Path), new SnapshotVerifier(), ownMemberId: "1", host: "test", now, [], CancellationToken.None);

        Assert.That(held.Newest?.Path, Is.EqualTo(ours), "three days old: the verdict sees this cluster's stale backups, not another's fresh one");
        Assert.That(unknown.Newest?.Path, Is.EqualTo(foreign), "before etcd has ever answered there is no lineage to judge by");
    }
}
