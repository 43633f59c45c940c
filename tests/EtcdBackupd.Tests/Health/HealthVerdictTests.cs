using EtcdBackupd.Health;
using EtcdBackupd.Protocol.Results;

namespace EtcdBackupd.Tests.Health;

[Category("Fast")]
internal sealed class HealthVerdictTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private static readonly HealthOptions Options = new() { MaxSnapshotAge = TimeSpan.FromHours(24.5), CertificateWarning = TimeSpan.FromDays(30) };
    private static readonly EtcdHealth Up = new() { Healthy = true };
    private static readonly HeldSnapshot Recent = new("/s/etcd-snapshot-20261124T050000Z-m2-r9.db", Now.AddHours(-7), "m2", 9, 8224);

    private static PeerRecord Peer(bool? lastOk) => new()
    {
        Peer = "10.0.0.3:22", LastSuccessAt = null, LastAttemptAt = Now, LastOk = lastOk, LastError = lastOk == false ? "cannot connect: Connection refused" : null, Failures = 1,
    };

    private static HealthReport Judge(EtcdHealth? etcd = null, HeldSnapshot? newest = null, bool noSnapshot = false, PeerRecord[]? peers = null, DateTimeOffset? expiry = null) =>
        HealthVerdict.Judge(new HealthInputs(etcd ?? Up, noSnapshot ? null : newest ?? Recent, peers ?? [], expiry), Options, Now);

    private static HealthReason[] Reasons(HealthReport report) => [.. report.Problems.Select(p => p.Reason)];

    [Test]
    public void Judge_EtcdUpRecentSnapshotCopiesFine_IsHealthyWithNoReason()
    {
        var report = Judge(peers: [Peer(true)], expiry: Now.AddDays(90));

        Assert.That((report.Healthy, report.Problems), Is.EqualTo((true, (IReadOnlyList<HealthProblem>)[])));
    }

    [Test]
    public void Judge_EtcdDown_NamesEtcdUnreachableWithItsError()
    {
        var report = Judge(etcd: new EtcdHealth { Healthy = false, Error = "connection refused at 127.0.0.1:2379" });

        Assert.That(Reasons(report), Is.EqualTo(new[] { HealthReason.EtcdUnreachable }));
        Assert.That(report.Problems[0].Message, Does.Contain("connection refused at 127.0.0.1:2379"));
    }

    [Test]
    public void Judge_NewestSnapshotOlderThanTheMaximum_NamesNoRecentSnapshotWithItsAge()
    {
        var report = Judge(newest: Recent with { CreatedAt = Now.AddHours(-26) });

        Assert.That(Reasons(report), Is.EqualTo(new[] { HealthReason.NoRecentSnapshot }));
        Assert.That(report.Problems[0].Message, Does.Contain("26 h ago").And.Contain("Health.MaxSnapshotAgeMinutes"));
    }

    [Test]
    public void Judge_SnapshotJustInsideTheMaximum_IsHealthy() =>
        Assert.That(Judge(newest: Recent with { CreatedAt = Now - Options.MaxSnapshotAge }).Healthy, Is.True);

    [Test]
    public void Judge_NoSnapshotHeldAtAll_NamesNoRecentSnapshot() =>
        Assert.That(Reasons(Judge(noSnapshot: true)), Is.EqualTo(new[] { HealthReason.NoRecentSnapshot }));

    [Test]
    public void Judge_LastCopyToAPeerFailed_NamesCopyFailedAndThePeer()
    {
        var report = Judge(peers: [Peer(false)]);

        Assert.That(Reasons(report), Is.EqualTo(new[] { HealthReason.CopyFailed }));
        Assert.That(report.Problems[0].Message, Does.Contain("10.0.0.3:22").And.Contain("Connection refused"));
    }

    [Test]
    public void Judge_AFailedCopy_OfAFormerLeader_IsSupersededByANewerSnapshotAnotherMasterTook_ButNotByOneOfItsOwnNorWhileItStillTakesThem()
    {
        // This master, once the leader, failed to copy its 01:00 snapshot; Recent (05:00, m2's) arrived since.
        var failed = Peer(false) with { LastSnapshot = "etcd-snapshot-20261124T010000Z-m1-r5.db" };
        var ownNewer = Recent with { Member = "m1" };

        var formerLeader = HealthVerdict.Judge(new HealthInputs(Up, Recent, [failed], null) { FollowerUnderLeader = true }, Options, Now);
        var takesItsOwn = HealthVerdict.Judge(new HealthInputs(Up, Recent, [failed], null) { FollowerUnderLeader = false }, Options, Now);
        var stillLeading = HealthVerdict.Judge(new HealthInputs(Up, ownNewer, [failed], null) { NewestOwnSnapshot = ownNewer, FollowerUnderLeader = true }, Options, Now);
        var nothingNewer = HealthVerdict.Judge(new HealthInputs(Up, Recent, [failed with { LastSnapshot = "etcd-snapshot-20261124T060000Z-m1-r12.db" }], null) { FollowerUnderLeader = true }, Options, Now);

        Assert.That(formerLeader.Healthy, Is.True, "the new leader's copies are its own verdict's to judge");
        Assert.That(Reasons(takesItsOwn), Is.EqualTo(new[] { HealthReason.CopyFailed }), "under TakenBy: every, or as the leader, its own link is still broken");
        Assert.That(Reasons(stillLeading), Is.EqualTo(new[] { HealthReason.CopyFailed }), "its own newer snapshot may still be on its way");
        Assert.That(Reasons(nothingNewer), Is.EqualTo(new[] { HealthReason.CopyFailed }));
        Assert.That(nothingNewer.Problems[0].Message, Does.Contain("(etcd-snapshot-20261124T060000Z-m1-r12.db)"));
    }

    [Test]
    public void Judge_PeerNeverTried_IsNotACopyFailure() =>
        Assert.That(Judge(peers: [Peer(null)]).Healthy, Is.True);

    [TestCase(29, true)]
    [TestCase(-1, true)]
    [TestCase(31, false)]
    public void Judge_CertificateExpiringWithinTheWarningDays_NamesCertificateExpiring(int daysLeft, bool expiring) =>
        Assert.That(Reasons(Judge(expiry: Now.AddDays(daysLeft))).Contains(HealthReason.CertificateExpiring), Is.EqualTo(expiring));

    [Test]
    public void Judge_SeveralThingsWrong_NamesEachReasonOnce() =>
        Assert.That(Reasons(Judge(etcd: new EtcdHealth { Healthy = false, Error = "x" }, noSnapshot: true, peers: [Peer(false)], expiry: Now.AddDays(1))),
            Is.EqualTo(new[] { HealthReason.EtcdUnreachable, HealthReason.NoRecentSnapshot, HealthReason.CopyFailed, HealthReason.CertificateExpiring }));

    [Test]
    public void Wire_EveryReason_IsItsJsonName()
    {
        foreach (var reason in Enum.GetValues<HealthReason>())
        {
            var json = System.Text.Json.JsonSerializer.Serialize(new HealthProblem(reason, ""), Protocol.ProtocolJsonContext.Default.HealthProblem);
            Assert.That(json, Does.Contain($"\"{reason.Wire()}\""));
        }
    }
}
