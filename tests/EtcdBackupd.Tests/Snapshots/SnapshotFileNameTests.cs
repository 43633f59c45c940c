using EtcdBackupd.Snapshots;

namespace EtcdBackupd.Tests.Snapshots;

[Category("Fast")]
internal sealed class SnapshotFileNameTests
{
    [Test]
    public void Build_UsesUtcTimeMemberAndRevision()
    {
        var at = new DateTimeOffset(2026, 3, 10, 5, 0, 7, TimeSpan.FromHours(8));

        var name = SnapshotFileName.Build(at, "etcd-172.17.1.20", 14715);

        Assert.That(name, Is.EqualTo("etcd-snapshot-20260309T210007Z-etcd-172.17.1.20-r14715.db"));
    }

    [Test]
    public void TryParse_RoundTripsWhatBuildWrites()
    {
        var at = new DateTimeOffset(2026, 11, 24, 5, 0, 0, TimeSpan.Zero);

        var parsed = SnapshotFileName.TryParse(SnapshotFileName.Build(at, "m1", 42), out var created, out var member, out var revision);

        Assert.That((parsed, created, member, revision), Is.EqualTo((true, at, "m1", 42L)));
    }

    [TestCase("etcd-snapshot-20220310.db")]
    [TestCase("etcd-snapshot-20261124T050000Z-m1-r42.db.part")]
    [TestCase("etcd-snapshot-20261124T050000Z-m1-r42.json")]
    [TestCase("my-notes.txt")]
    [TestCase("etcd-snapshot-20261324T050000Z-m1-r42.db")]
    [TestCase("etcd-snapshot-20261124T050000Z-m1-r42.db\n")]
    [TestCase("etcd-snapshot-20261124T050000Z-m1-r\u0664\u0662.db")]
    public void TryParse_ForeignOrPartialNames_AreNotOurs(string name) =>
        Assert.That(SnapshotFileName.TryParse(name, out _, out _, out _), Is.False);

    [Test]
    public void Build_MemberNameWithPathCharacters_IsMadeSafe()
    {
        var name = SnapshotFileName.Build(DateTimeOffset.UnixEpoch, "../evil name", 1);

        Assert.That(name, Is.EqualTo("etcd-snapshot-19700101T000000Z-.._evil_name-r1.db"));
    }

    [Test]
    public void Build_NamesSortByTime()
    {
        var earlier = SnapshotFileName.Build(new DateTimeOffset(2026, 1, 9, 23, 0, 0, TimeSpan.Zero), "m1", 900);
        var later = SnapshotFileName.Build(new DateTimeOffset(2026, 1, 10, 1, 0, 0, TimeSpan.Zero), "m1", 1000);

        Assert.That(string.CompareOrdinal(earlier, later), Is.Negative);
    }
}
