using EtcdBackupd.Peers;
using EtcdBackupd.Service;
using EtcdBackupd.Snapshots;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Service;

/// <summary>The STATUS= line that <c>systemctl status</c> shows, and the failures the metrics count.</summary>
[Category("Fast")]
internal sealed class DaemonStateTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 24, 5, 0, 3, TimeSpan.Zero);

    [Test]
    public void Describe_BeforeAnySnapshot_SaysSoAndWhenTheNextIsDue()
    {
        var state = new DaemonState();

        state.Scheduled(At);

        Assert.That(state.Describe(), Is.EqualTo("no snapshot taken yet; next 2026-11-24 05:00:03Z"));
    }

    [Test]
    public void Describe_WhileASnapshotRuns_SaysItIsInProgress()
    {
        var state = new DaemonState();

        state.Started();

        Assert.That(state.Describe(), Is.EqualTo("snapshot in progress; no next time"));
    }

    [Test]
    public void Describe_WhileASnapshotRunsOnAnUnhealthyMaster_StillSaysWhy()
    {
        var state = new DaemonState();
        state.Observed(new EtcdBackupd.Health.HealthView(
            new EtcdBackupd.Protocol.Results.HealthReport(false, [new(EtcdBackupd.Protocol.Results.HealthReason.NoRecentSnapshot, "no verified snapshot is held on this master")]),
            new EtcdBackupd.Protocol.Results.EtcdHealth { Healthy = true }, null, null, [], null, DateTimeOffset.UnixEpoch));

        state.Started();

        Assert.That(state.Describe(), Is.EqualTo("snapshot in progress; no next time; UNHEALTHY: no verified snapshot is held on this master"));
    }

    [Test]
    public void Describe_AfterASuccess_GivesItsTimeRevisionAndSize()
    {
        var state = new DaemonState();

        state.Finished(SnapshotOutcomes.Succeeded(At));

        Assert.That(state.Describe(), Is.EqualTo("last snapshot 2026-11-24 05:00:03Z ok, revision 42, 8224 bytes; no next time"));
    }

    [Test]
    public void Describe_AfterASuccessWithPeers_CountsTheCopiesThatArrived()
    {
        var state = new DaemonState();
        var copied = new PeerPushResult("10.0.0.2", 22, true, false, null, 1, TimeSpan.FromSeconds(1));
        var failed = new PeerPushResult("10.0.0.3", 22, false, false, "connection refused", 3, TimeSpan.FromSeconds(9));

        state.Finished(SnapshotOutcomes.Succeeded(At, copied, failed));

        Assert.That(state.Describe(), Does.Contain(" ok, revision 42, 8224 bytes, copies on 1 of 2 peers;"));
    }

    [Test]
    public void Describe_AfterAFailure_NamesItsKindAndTheLastGoodSnapshot()
    {
        var state = new DaemonState();
        state.Finished(SnapshotOutcomes.Succeeded(At));

        state.Finished(SnapshotOutcomes.Failed(At.AddDays(1)));

        Assert.That(state.Describe(), Is.EqualTo(
            "last snapshot 2026-11-25 05:00:03Z FAILED (etcd unavailable: etcd unreachable); last good 2026-11-24 05:00:03Z; no next time"));
    }

    [Test]
    public void Describe_FailureBeforeAnySuccess_SaysThereIsNoGoodSnapshot()
    {
        var state = new DaemonState();

        state.Finished(SnapshotOutcomes.Failed(At));

        Assert.That(state.Describe(), Does.Contain("FAILED (etcd unavailable: etcd unreachable); no good snapshot yet;"));
    }

    [Test]
    public void Finished_Failures_AreCountedByKind()
    {
        var state = new DaemonState();

        state.Finished(SnapshotOutcomes.Failed(At, SnapshotFailure.DiskFull));
        state.Finished(SnapshotOutcomes.Succeeded(At));
        state.Finished(SnapshotOutcomes.Failed(At, SnapshotFailure.DiskFull));
        state.Finished(SnapshotOutcomes.Failed(At, SnapshotFailure.StreamBroken));

        Assert.That(state.Failures, Is.EquivalentTo(new Dictionary<SnapshotFailure, long>
        {
            [SnapshotFailure.DiskFull] = 2,
            [SnapshotFailure.StreamBroken] = 1,
        }));
    }
}
