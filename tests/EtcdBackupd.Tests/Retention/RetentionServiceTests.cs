using EtcdBackupd.Lineage;
using EtcdBackupd.Retention;
using EtcdBackupd.Snapshots;
using EtcdBackupd.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EtcdBackupd.Tests.Retention;

[Category("Fast")]
internal sealed class RetentionServiceTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 6, 0, 0, TimeSpan.Zero);
    private TempDirectory _dir = null!;

    [SetUp]
    public void CreateDirectory() => _dir = new TempDirectory("retention");

    [TearDown]
    public void RemoveDirectory() => _dir.Dispose();

    private RetentionService Service(int days = 30, int keep = 3, EtcdBackupd.Restore.RestoreActivity? activity = null, ClusterLineage? lineage = null) => new(
        new SnapshotDirectory(_dir.Path), new SnapshotVerifier(), new RetentionOptions { RetentionDays = days, MinimumKept = keep },
        new FakeTimeProvider(Now), NullLogger<RetentionService>.Instance, activity, lineage);

    /// <summary>A snapshot with a real manifest, changed by <paramref name="change"/>.</summary>
    private string Write(DateTimeOffset createdAt, Func<SnapshotManifest, SnapshotManifest> change, long revision = 100)
    {
        var path = SyntheticSnapshots.Write(_dir.Path, createdAt, revision: revision, withManifest: true);
        File.WriteAllBytes(SnapshotFileName.ManifestOf(path), change(ManifestFile.TryRead(SnapshotFileName.ManifestOf(path))!).ToJson());
        return path;
    }

    [Test]
    public void Prune_WhileARestoreSessionIsOpen_DeletesNothingAndSaysWhy()
    {
        var old = SyntheticSnapshots.Write(_dir.Path, Now.AddDays(-90));
        Enumerable.Range(1, 3).ToList().ForEach(d => SyntheticSnapshots.Write(_dir.Path, Now.AddDays(-d)));
        var activity = new EtcdBackupd.Restore.RestoreActivity();
        activity.Begin($"cluster restore session 's1' of {Path.GetFileName(old)}");
        var service = Service(activity: activity);

        var deleted = service.Prune(dryRun: false, CancellationToken.None);

        Assert.That(deleted, Is.Empty);
        Assert.That(File.Exists(old), Is.True, "the snapshot being restored survives, however old");
        Assert.That(service.PausedBy, Does.StartWith("cluster restore session 's1'"));
        activity.End();
        Assert.That(service.Prune(dryRun: false, CancellationToken.None).Select(d => d.Snapshot.Path), Is.EqualTo(new[] { old }), "once the session closes, retention catches up");
    }

    [Test]
    public void Prune_WhileAnotherProcessHoldsTheRestoreLock_DeletesNothing_AndCatchesUpOnceItIsLetGo()
    {
        var old = SyntheticSnapshots.Write(_dir.Path, Now.AddDays(-90));
        Enumerable.Range(1, 3).ToList().ForEach(d => SyntheticSnapshots.Write(_dir.Path, Now.AddDays(-d)));
        var lockPath = _dir.Combine("run", EtcdBackupd.Restore.RestoreLock.FileName);
        // A one-shot etcd-backupd restore: its own open file, so its flock is another holder's.
        var oneShot = new EtcdBackupd.Restore.RestoreLock(lockPath);
        Assert.That(oneShot.TryTake("etcd-backupd restore"), Is.Null);
        var service = Service(activity: new EtcdBackupd.Restore.RestoreActivity(new EtcdBackupd.Restore.RestoreLock(lockPath)));

        var whileHeld = service.Prune(dryRun: false, CancellationToken.None);
        oneShot.Release();
        var after = service.Prune(dryRun: false, CancellationToken.None);

        Assert.That(whileHeld, Is.Empty);
        Assert.That(after.Select(d => d.Snapshot.Path), Is.EqualTo(new[] { old }));
    }

    [Test]
    public void UnlessRestoring_OnceARestoreHasBegun_RunsNoDeletionUntilItEnds()
    {
        var activity = new EtcdBackupd.Restore.RestoreActivity();
        var runs = 0;

        activity.Begin("a restore of s.db");
        var refused = activity.UnlessRestoring(() => runs++);
        activity.End();
        var allowed = activity.UnlessRestoring(() => runs++);

        Assert.That(refused, Is.EqualTo("a restore of s.db"));
        Assert.That(allowed, Is.Null);
        Assert.That(runs, Is.EqualTo(1));
    }

    [Test]
    public async Task Prune_ASnapshotThatCannotBeDeleted_KeepsItsManifestAndIsNotReportedDeleted()
    {
        var old = SyntheticSnapshots.Write(_dir.Path, Now.AddDays(-90));
        Enumerable.Range(1, 3).ToList().ForEach(d => SyntheticSnapshots.Write(_dir.Path, Now.AddDays(-d)));
        if ((await ProcessRunner.RunAsync("chattr", ["+i", old])).ExitCode != 0)
        {
            Assert.Ignore("chattr +i needs root and a file system that keeps the flag (CI runs as root on one)");
        }

        try
        {
            var deleted = Service().Prune(dryRun: false, CancellationToken.None);

            Assert.That(deleted, Is.Empty, "nothing was deleted");
            Assert.That(File.Exists(old) && File.Exists(SnapshotFileName.ManifestOf(old)), Is.True, "the snapshot keeps its manifest");
        }
        finally
        {
            await ProcessRunner.RunAsync("chattr", ["-i", old]);
        }
    }

    private string[] Remaining() => Directory.GetFiles(_dir.Path).Select(Path.GetFileName).OfType<string>().Order().ToArray();

    [Test]
    public void Prune_SnapshotsOlderThanTheWindowWithEnoughNewerGoodOnes_AreDeletedWithTheirManifests()
    {
        var old = SyntheticSnapshots.Write(_dir.Path, Now.AddDays(-31));
        var recent = Enumerable.Range(1, 3).Select(d => SyntheticSnapshots.Write(_dir.Path, Now.AddDays(-d))).ToList();

        var deleted = Service().Prune(dryRun: false, CancellationToken.None);

        Assert.That(deleted.Select(d => d.Snapshot.Path), Is.EqualTo(new[] { old }));
        Assert.That(File.Exists(old) || File.Exists(SnapshotFileName.ManifestOf(old)), Is.False);
        Assert.That(recent.All(File.Exists), Is.True);
    }

    [Test]
    public void Prune_FortyDaysOfFailedBackups_KeepsTheLastGoodOnes()
    {
        var all = Enumerable.Range(40, 10).Select(d => SyntheticSnapshots.Write(_dir.Path, Now.AddDays(-d))).ToList();

        Service(keep: 3).Prune(dryRun: false, CancellationToken.None);

        Assert.That(all.Where(File.Exists), Is.EqualTo(all.Take(3)), "the three newest of the old snapshots must survive");
    }

    [Test]
    public void Prune_CorruptNewestSnapshot_DoesNotCountTowardTheMinimum()
    {
        SyntheticSnapshots.Write(_dir.Path, Now.AddDays(-1), corrupt: true);
        var good = SyntheticSnapshots.Write(_dir.Path, Now.AddDays(-2));
        var oldGood = SyntheticSnapshots.Write(_dir.Path, Now.AddDays(-45));

        Service(keep: 2).Prune(dryRun: false, CancellationToken.None);

        Assert.That(File.Exists(oldGood), Is.True, "only one newer snapshot passes the trailer check; the old one is still needed");
        Assert.That(File.Exists(good), Is.True);
    }

    [Test]
    public void Prune_ForeignFiles_AreNeverTouched()
    {
        string[] foreign = ["etcd-snapshot-20220310.db", "notes.txt", "backup.db", "etcd-snapshot-20200101T000000Z-m1-r1.db.bak"];
        foreach (var name in foreign)
        {
            File.WriteAllText(Path.Combine(_dir.Path, name), "not ours");
            File.SetLastWriteTimeUtc(Path.Combine(_dir.Path, name), Now.AddYears(-5).UtcDateTime);
        }

        Enumerable.Range(1, 3).ToList().ForEach(d => SyntheticSnapshots.Write(_dir.Path, Now.AddDays(-d)));

        Service().Prune(dryRun: false, CancellationToken.None);

        Assert.That(Remaining(), Is.SupersetOf(foreign));
    }

    [Test]
    public void Prune_CopyWithNewMtimeButOldName_IsJudgedByItsName()
    {
        var copied = SyntheticSnapshots.Write(_dir.Path, Now.AddDays(-60));
        File.SetLastWriteTimeUtc(copied, Now.UtcDateTime);
        Enumerable.Range(1, 3).ToList().ForEach(d => SyntheticSnapshots.Write(_dir.Path, Now.AddDays(-d)));

        Service().Prune(dryRun: false, CancellationToken.None);

        Assert.That(File.Exists(copied), Is.False);
    }

    [Test]
    public void Prune_NewSnapshotsWithOldMtime_AreKept()
    {
        var fresh = SyntheticSnapshots.Write(_dir.Path, Now.AddDays(-1));
        File.SetLastWriteTimeUtc(fresh, Now.AddDays(-90).UtcDateTime);

        Service(keep: 1).Prune(dryRun: false, CancellationToken.None);

        Assert.That(File.Exists(fresh), Is.True);
    }

    [Test]
    public void Prune_StalePartialFiles_GoAfterADayAndFreshOnesStay()
    {
        var stale = Path.Combine(_dir.Path, SnapshotFileName.Build(Now.AddDays(-2), "m1", 5) + ".part");
        var fresh = Path.Combine(_dir.Path, SnapshotFileName.Build(Now, "m1", 6) + ".part");
        File.WriteAllText(stale, "");
        File.WriteAllText(fresh, "");
        File.SetLastWriteTimeUtc(stale, Now.AddHours(-25).UtcDateTime);
        File.SetLastWriteTimeUtc(fresh, Now.AddMinutes(-5).UtcDateTime);

        Service().Prune(dryRun: false, CancellationToken.None);

        Assert.That((File.Exists(stale), File.Exists(fresh)), Is.EqualTo((false, true)));
    }

    [Test]
    public void Prune_AnotherClustersNewerSnapshots_DoNotStandInForThisClustersLastGoodOnes()
    {
        using var state = new TempDirectory("retention-lineage");
        var lineage = new ClusterLineage(state.Path, TimeProvider.System, NullLogger.Instance);
        lineage.Record("aaa");
        // This cluster's backups have failed for forty days; a misconfigured peer of another cluster pushes here daily.
        var own = Enumerable.Range(40, 3).Select(d => Write(Now.AddDays(-d), m => m with { ClusterId = "aaa" })).ToList();
        var foreign = Enumerable.Range(1, 3).Select(d => Write(Now.AddDays(-d), m => m with { ClusterId = "bbb" })).ToList();

        var deleted = Service(keep: 3, lineage: lineage).Prune(dryRun: false, CancellationToken.None);

        Assert.That(deleted, Is.Empty);
        Assert.That(own.Concat(foreign).All(File.Exists), Is.True, "the last three of this cluster's own are still needed");
    }

    [Test]
    public void Prune_ImportsNamedByTheirFilesTime_DoNotStandInForTheLastGoodOnes()
    {
        var own = Enumerable.Range(40, 3).Select(d => Write(Now.AddDays(-d), m => m)).ToList();
        // Old cron-era files copied with plain cp and imported without manifests: named by their modification time, today.
        var imported = Enumerable.Range(1, 3).Select(d => Write(Now.AddHours(-d),
            m => m with { Imported = new SnapshotImport("/root/etcd-2024.db", Now, HadManifest: false) }, revision: 5)).ToList();

        Service(keep: 3).Prune(dryRun: false, CancellationToken.None);

        Assert.That(own.Concat(imported).All(File.Exists), Is.True);
    }

    [Test]
    public void Prune_APinnedManifestWhoseSnapshotIsGone_IsKept_AndAnUnpinnedOneGoes()
    {
        var pinned = Write(Now.AddDays(-60), m => m with { Pin = new SnapshotPin("before-upgrade", Now.AddDays(-59)) }, revision: 7);
        var unpinned = Write(Now.AddDays(-61), m => m, revision: 6);
        // Moved away by an operator to look at it: the pin must be there when it is put back.
        File.Delete(pinned);
        File.Delete(unpinned);

        Service().Prune(dryRun: false, CancellationToken.None);

        Assert.That(File.Exists(SnapshotFileName.ManifestOf(pinned)), Is.True);
        Assert.That(File.Exists(SnapshotFileName.ManifestOf(unpinned)), Is.False);
    }

    [Test]
    public void Prune_DryRun_ReportsButDeletesNothing()
    {
        SyntheticSnapshots.Write(_dir.Path, Now.AddDays(-31));
        Enumerable.Range(1, 3).ToList().ForEach(d => SyntheticSnapshots.Write(_dir.Path, Now.AddDays(-d)));
        var before = Remaining();

        var deleted = Service().Prune(dryRun: true, CancellationToken.None);

        Assert.That(deleted, Has.Count.EqualTo(1));
        Assert.That(Remaining(), Is.EqualTo(before));
    }
}
