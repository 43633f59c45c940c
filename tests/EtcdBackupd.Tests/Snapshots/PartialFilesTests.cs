using EtcdBackupd.Snapshots;

namespace EtcdBackupd.Tests.Snapshots;

[Category("Fast")]
internal sealed class PartialFilesTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);

    private static readonly string Snapshot = SnapshotFileName.Build(Now.AddDays(-2), "m1", 5);

    [Test]
    public void IsStale_OurSnapshotsPartUntouchedForMoreThanADay_IsTrue() =>
        Assert.That(PartialFiles.IsStale(Snapshot + ".part", Now.AddHours(-25).UtcDateTime, Now), Is.True);

    [Test]
    public void IsStale_OurManifestsPartUntouchedForMoreThanADay_IsTrue() =>
        Assert.That(PartialFiles.IsStale(SnapshotFileName.ManifestOf(Snapshot) + ".part", Now.AddHours(-25).UtcDateTime, Now), Is.True);

    [Test]
    public void IsStale_APartWrittenWithinTheDay_IsFalse() =>
        Assert.That(PartialFiles.IsStale(Snapshot + ".part", Now.AddHours(-23).UtcDateTime, Now), Is.False);

    [TestCase("notes.part")]
    [TestCase("etcd-snapshot-latest.db.part")]
    public void IsStale_AFileNotOfOurNaming_IsFalseWhateverItsAge(string fileName) =>
        Assert.That(PartialFiles.IsStale(fileName, Now.AddDays(-90).UtcDateTime, Now), Is.False);
}
