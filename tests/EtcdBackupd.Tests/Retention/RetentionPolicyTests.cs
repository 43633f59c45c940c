using EtcdBackupd.Retention;
using EtcdBackupd.Snapshots;

namespace EtcdBackupd.Tests.Retention;

/// <summary>The retention rule alone, on snapshot entries and a trailer check stood in by a function.</summary>
[Category("Fast")]
internal sealed class RetentionPolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 6, 0, 0, TimeSpan.Zero);
    private static readonly RetentionOptions ThirtyDaysKeepThree = new() { RetentionDays = 30, MinimumKept = 3 };

    /// <summary>Snapshots taken the given numbers of days before <see cref="Now"/>, newest first.</summary>
    private static List<SnapshotEntry> DaysAgo(params double[] days) => days
        .Select(d => Now.AddDays(-d))
        .Select(at => new SnapshotEntry($"/s/{SnapshotFileName.Build(at, "m1", 100)}", at, "m1", 100, 8224))
        .OrderByDescending(e => e.CreatedAt)
        .ToList();

    private static List<double> DeletedDaysAgo(List<SnapshotEntry> snapshots, Func<SnapshotEntry, bool> isGood) =>
        RetentionPolicy.Decide(snapshots, Now, ThirtyDaysKeepThree, isGood).Select(d => (Now - d.Snapshot.CreatedAt).TotalDays).ToList();

    [Test]
    public void StoreClock_AheadOfTheStoresNewestWriteByMoreThanTheSlack_IsHeldToTheSlackPastIt_AndBehindItIsKept()
    {
        var written = new DateTimeOffset(2026, 11, 24, 6, 0, 0, TimeSpan.Zero);
        var day = StoreClock.RetentionSlack;

        Assert.That(StoreClock.Now(written.AddDays(60), written, day), Is.EqualTo(written.AddDays(1)), "a clock weeks ahead");
        Assert.That(StoreClock.Now(written.AddHours(20), written, day), Is.EqualTo(written.AddHours(20)), "nothing written there since this morning");
        Assert.That(StoreClock.Now(written.AddDays(-3), written, day), Is.EqualTo(written.AddDays(-3)), "behind: judges copies younger, deletes less");
        Assert.That(StoreClock.Now(written, null, day), Is.EqualTo(written), "an empty store says nothing of its clock");
    }

    [Test]
    public void Decide_OldSnapshotsWithEnoughGoodNewerOnes_AreDeleted() =>
        Assert.That(DeletedDaysAgo(DaysAgo(1, 2, 3, 31, 40), _ => true), Is.EqualTo(new[] { 31.0, 40.0 }));

    [Test]
    public void Decide_OldSnapshotWithTooFewNewerOnes_IsKept() =>
        Assert.That(DeletedDaysAgo(DaysAgo(1, 2, 31), _ => true), Is.Empty);

    [Test]
    public void Decide_OldSnapshotsBeyondTheMinimum_AreDeletedAndTheNewestOldOnesKept() =>
        Assert.That(DeletedDaysAgo(DaysAgo(40, 41, 42, 43, 44), _ => true), Is.EqualTo(new[] { 43.0, 44.0 }));

    [Test]
    public void Decide_SnapshotsNamedAYearAhead_AreKeptButDoNotStandInForTheRealNewestOnes() =>
        // Three taken while the clock ran a year ahead, then forty days of failed backups.
        Assert.That(DeletedDaysAgo(DaysAgo(-365, -364, -363, 41, 42, 43, 44), _ => true), Is.EqualTo(new[] { 44.0 }));

    [Test]
    public void Decide_SnapshotsNamedMinutesAhead_StillCount() =>
        // A peer's clock a little ahead of this one.
        Assert.That(DeletedDaysAgo(DaysAgo(-0.02, -0.01, -0.005, 31), _ => true), Is.EqualTo(new[] { 31.0 }));

    [Test]
    public void Decide_SnapshotExactlyAsOldAsTheWindow_IsKept() =>
        Assert.That(DeletedDaysAgo(DaysAgo(1, 2, 3, 30), _ => true), Is.Empty);

    [Test]
    public void Decide_NewerSnapshotsThatFailTheTrailerCheck_DoNotCount()
    {
        var snapshots = DaysAgo(1, 2, 3, 31);
        var corrupt = snapshots[0];

        Assert.That(DeletedDaysAgo(snapshots, s => s != corrupt), Is.Empty);
    }

    [Test]
    public void Decide_EnoughGoodOnes_ChecksNoOlderSnapshot()
    {
        var snapshots = DaysAgo(1, 2, 3, 4, 31, 40);
        var checkedDays = new List<double>();

        RetentionPolicy.Decide(snapshots, Now, ThirtyDaysKeepThree, s =>
        {
            checkedDays.Add((Now - s.CreatedAt).TotalDays);
            return true;
        });

        Assert.That(checkedDays, Is.EqualTo(new[] { 1.0, 2.0, 3.0 }), "reading a snapshot's whole file is what a check costs");
    }

    [Test]
    public void Decide_Deletion_SaysWhenItWasTakenTheWindowAndHowManyRemain() =>
        Assert.That(RetentionPolicy.Decide(DaysAgo(1, 2, 3, 31), Now, ThirtyDaysKeepThree, _ => true).Single().Reason,
            Is.EqualTo("created 2026-10-24T06:00:00Z, older than 30 days, and 3 newer verified snapshots remain"));

    [Test]
    public void Decide_APinnedSnapshotOlderThanTheWindow_IsKeptWhileAnUnpinnedOneAsOldGoes()
    {
        var snapshots = DaysAgo(1, 2, 3, 40, 41);
        var pinned = snapshots[3];

        var deleted = RetentionPolicy.Decide(snapshots, Now, ThirtyDaysKeepThree, _ => true, s => s == pinned).Select(d => d.Snapshot).ToList();

        Assert.That(deleted, Is.EqualTo(new[] { snapshots[4] }));
    }

    [Test]
    public void Decide_PinnedNewerSnapshots_DoNotCountTowardTheMinimum()
    {
        var snapshots = DaysAgo(1, 2, 3, 31);
        var pinned = snapshots[0];

        Assert.That(RetentionPolicy.Decide(snapshots, Now, ThirtyDaysKeepThree, _ => true, s => s == pinned), Is.Empty,
            "with the pinned one set aside only two newer snapshots remain, so the one of 31 days stays");
    }
}
