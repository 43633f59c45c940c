using EtcdBackupd.Protocol.Restore;
using EtcdBackupd.Restore;
using Microsoft.Extensions.Logging.Abstractions;

namespace EtcdBackupd.Tests.Restore;

/// <summary>The cluster coordinator's decisions, driven by stand-in members: no etcd, no sshd.</summary>
[Category("Fast")]
internal sealed class ClusterRunTests
{
    public const string Sha256 = "5ca1ab1e";

    private static readonly PhaseDeadlines Quick = new(TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(300));

    private const string Snapshot = "etcd-snapshot-20261124T050000Z-m1-r9.db";

    private static async Task<ClusterOutcome> RunAsync(params StandInMember[] members)
    {
        var progress = new List<string>();
        var run = new ClusterRun(members, Snapshot, Sha256, "session-1", Quick, (member, step) => { lock (progress) { progress.Add($"{member}: {step}"); } }, NullLogger.Instance);
        return await run.RunAsync(() => Task.FromResult<string?>(null), CancellationToken.None);
    }

    private static StandInMember[] Three(Func<string, bool, StandInMember>? make = null)
    {
        make ??= (name, leader) => new StandInMember(name, leader);
        return [make("m1", false), make("m2", true), make("m3", false)];
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task EveryPhaseSucceeds_EveryMemberFinishesAndNoneIsRolledBack()
    {
        var members = Three();

        var outcome = await RunAsync(members);

        Assert.That(outcome.Failure, Is.Null);
        Assert.That(members.Select(m => m.LastCall), Is.All.EqualTo(RestorePhase.Finish));
        Assert.That(members.SelectMany(m => m.Calls), Does.Not.Contain(RestorePhase.Rollback));
        Assert.That(outcome.Result.Members.Select(m => m.Member), Is.EqualTo(new[] { "m1", "m2", "m3" }));
    }

    [TestCase("m4=https://d:2380")]
    [TestCase("m4")]
    [CancelAfter(10_000)]
    public async Task AMemberOfInitialClusterThatTakesNoPart_IsRefusedAtTheCheck_BeforeAnythingStops(string fourth)
    {
        // m4 is in the cluster but not in this master's Peers.Targets: restored without it, m1-m3 make a quorum and m4 diverges.
        // Written without its URL, it is still a member named, refused here rather than by etcd's tool after every etcd stopped.
        var members = Three((name, leader) => new StandInMember(name, leader)
        {
            Command = $"etcdutl snapshot restore s --name {name} --initial-cluster m1=https://a:2380,m2=https://b:2380,m3=https://c:2380,{fourth} "
                + "--bump-revision 1000000000 --mark-compacted",
        });

        var outcome = await RunAsync(members);

        Assert.That(outcome.Failure, Does.StartWith("cluster restore refused: --initial-cluster names 4 members and m4 would not take part").And.EndWith("nothing was stopped"));
        Assert.That(members.SelectMany(m => m.Calls), Does.Not.Contain(RestorePhase.StopApi));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task AFinishedMemberWithItsOwnWal_IsReportedWithWhereItsOldDataAndOldWalAreKept()
    {
        var members = Three((name, leader) => new StandInMember(name, leader)
        {
            KeptAt = name == "m2" ? ("/var/lib/etcd.before-restore-1", "/wal/etcd.before-restore-1") : ("/var/lib/etcd.before-restore-1", null),
        });

        var outcome = await RunAsync(members);

        var reports = outcome.Result.Members.ToDictionary(m => m.Member, m => m.Steps);
        Assert.That(reports["m2"], Does.Contain("the old data directory is kept at /var/lib/etcd.before-restore-1")
            .And.Contain("the old WAL directory is kept at /wal/etcd.before-restore-1"));
        Assert.That(reports["m1"], Has.None.Contains("old WAL"));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task AMemberSlowToBecomeHealthy_IsNamedInAProgressLineEveryFewSeconds()
    {
        var members = Three((name, leader) => new StandInMember(name, leader) { HealthyAfter = name == "m3" ? TimeSpan.FromMilliseconds(700) : TimeSpan.Zero });
        var progress = new List<string>();
        var run = new ClusterRun(members, Snapshot, Sha256, "session-1", new PhaseDeadlines(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5)),
            (member, step) => { lock (progress) { progress.Add($"{member}: {step}"); } }, NullLogger.Instance, waitingReport: TimeSpan.FromMilliseconds(200));

        var outcome = await run.RunAsync(() => Task.FromResult<string?>(null), CancellationToken.None);

        Assert.That(outcome.Failure, Is.Null);
        Assert.That(progress, Has.Some.Match(@"^coordinator: wait-healthy: waiting for m3 \(\d+ s\); done: m1, m2$"));
        Assert.That(progress.Where(p => p.Contains("waiting for", StringComparison.Ordinal)), Has.All.Contain("wait-healthy: waiting for m3"));
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task AMemberSlowToAnswerARenewal_DoesNotHoldTheOthersRenewals()
    {
        // m1 takes 4 s to answer each renewal; m3 takes 1.5 s to become healthy, and meanwhile m2 must keep hearing from the coordinator.
        var members = Three((name, leader) => new StandInMember(name, leader)
        {
            RenewalTakes = name == "m1" ? TimeSpan.FromSeconds(4) : TimeSpan.Zero,
            HealthyAfter = name == "m3" ? TimeSpan.FromMilliseconds(1500) : TimeSpan.Zero,
        });
        var run = new ClusterRun(members, Snapshot, Sha256, "session-1", new PhaseDeadlines(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10)),
            (_, _) => { }, NullLogger.Instance, waitingReport: TimeSpan.FromMilliseconds(200));

        var outcome = await run.RunAsync(() => Task.FromResult<string?>(null), CancellationToken.None);

        Assert.That(outcome.Failure, Is.Null);
        Assert.That(members[1].Renewals, Is.GreaterThanOrEqualTo(4), "renewed every report's interval while m3 became healthy, not once per m1's answer");
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task StopEtcd_StopsTheLeaderOnlyAfterEveryFollowerAnswered()
    {
        var members = Three();

        await RunAsync(members);

        var leaderAsked = members[1].AskedAt(RestorePhase.StopEtcd)!.Value;
        Assert.That(members[0].AskedAt(RestorePhase.StopEtcd), Is.LessThan(leaderAsked));
        Assert.That(members[2].AskedAt(RestorePhase.StopEtcd), Is.LessThan(leaderAsked));
        Assert.That(members[0].AskedAt(RestorePhase.RestoreData), Is.GreaterThan(leaderAsked), "the barrier holds: no member restores before the leader stopped");
    }

    private static IEnumerable<TestCaseData> FailingPhases() =>
        RestorePhases.Runbook.SelectMany(phase => new[]
        {
            new TestCaseData(phase, 0).SetName($"PhaseFails_{phase}_OnAFollower_EveryMemberIsRolledBack"),
            new TestCaseData(phase, 1).SetName($"PhaseFails_{phase}_OnTheLeader_EveryMemberIsRolledBack"),
        });

    [TestCaseSource(nameof(FailingPhases))]
    [CancelAfter(10_000)]
    public async Task PhaseFails_EveryMemberThatOpenedIsRolledBack(RestorePhase phase, int failing)
    {
        var members = Three((name, leader) => new StandInMember(name, leader) { FailsAt = name == $"m{failing + 1}" ? phase : null });

        var outcome = await RunAsync(members);

        Assert.That(outcome.Failure, Does.StartWith($"cluster restore failed in phase '{phase.Wire()}'").And.Contain($"m{failing + 1}: {phase.Wire()} broke")
            .And.Contain("every member that got that far (3) was rolled back"));
        Assert.That(members.Select(m => m.LastCall), Is.All.EqualTo(RestorePhase.Rollback));
        Assert.That(members.SelectMany(m => m.Calls), Does.Not.Contain(RestorePhase.Finish));
        var later = RestorePhases.Runbook.SkipWhile(p => p != phase).Skip(1).ToHashSet();
        Assert.That(members.SelectMany(m => m.Calls).Where(later.Contains), Is.Empty, "no member starts a phase after the failed one");
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task CheckFailsOnOneMember_NothingIsStoppedAndTheOthersCloseTheirSessions()
    {
        var members = Three((name, leader) => new StandInMember(name, leader) { FailsAt = name == "m3" ? RestorePhase.Check : null });

        var outcome = await RunAsync(members);

        Assert.That(outcome.Failure, Does.StartWith("cluster restore refused: m3: check broke").And.EndWith("nothing was stopped"));
        Assert.That(members.SelectMany(m => m.Calls), Has.None.EqualTo(RestorePhase.StopApi));
        Assert.That(members[0].LastCall, Is.EqualTo(RestorePhase.Rollback));
        Assert.That(members[2].Calls, Does.Not.Contain(RestorePhase.Rollback), "m3 opened no session");
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task RollbackFailsOnOneMember_TheFailureSaysIncompleteAndNamesItWithItsSession()
    {
        var members = Three((name, leader) => new StandInMember(name, leader)
        {
            FailsAt = name == "m1" ? RestorePhase.StartEtcd : null, RollbackFails = name == "m2",
        });

        var outcome = await RunAsync(members);

        Assert.That(outcome.Failure, Does.Contain("ROLLBACK INCOMPLETE on m2 (session session-1)"));
        Assert.That(outcome.Failure, Does.Not.Contain("m1 (session").And.Not.Contain("m3 (session"));
        Assert.That(members.Select(m => m.LastCall), Is.All.EqualTo(RestorePhase.Rollback), "a failed rollback on one member does not stop the others'");
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task AMemberThatNeverAnswers_IsReportedStateUnknownWithTheRecoveryThatEndsTheSessionEverywhere()
    {
        var members = Three((name, leader) => new StandInMember(name, leader) { SilentFrom = name == "m3" ? RestorePhase.RestoreData : null });

        var outcome = await RunAsync(members);

        Assert.That(outcome.Failure, Does.Contain("in phase 'restore-data'").And.Contain("m3: state unknown (no answer to 'restore-data' within 0 s)"));
        Assert.That(outcome.Failure, Does.Contain("ROLLBACK INCOMPLETE on m3 (state unknown)")
            .And.Contain("etcd-backupctl restore --recover session-1 --yes"));
        Assert.That(members[0].LastCall, Is.EqualTo(RestorePhase.Rollback));
        Assert.That(members[1].LastCall, Is.EqualTo(RestorePhase.Rollback));
        Assert.That(members[2].Calls, Does.Contain(RestorePhase.Rollback), "the silent member is asked to roll back too");
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task AMemberSilentAtTheCheck_IsAskedToRollBack_AndOneWithoutASessionCountsAsRolledBack()
    {
        var members = Three((name, leader) => new StandInMember(name, leader) { SilentFrom = name == "m2" ? RestorePhase.Check : null });

        var outcome = await RunAsync(members);

        Assert.That(outcome.Failure, Does.StartWith("cluster restore refused: m2: state unknown").And.EndWith("nothing was stopped"));
        Assert.That(members[1].Calls, Does.Contain(RestorePhase.Rollback), "a check that went unanswered may have opened the session");
        Assert.That(members.SelectMany(m => m.Calls), Has.None.EqualTo(RestorePhase.StopApi));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task AMemberOfAnotherProtocolVersion_IsRefusedBeforeAnySessionOpens()
    {
        var members = Three((name, leader) => new StandInMember(name, leader) { Protocol = name == "m2" ? 1 : Protocol.ControlFraming.ProtocolVersion });

        var outcome = await RunAsync(members);

        Assert.That(outcome.Failure, Does.StartWith("cluster restore refused: m2: speaks restore protocol 1, this master 2"));
        Assert.That(members.SelectMany(m => m.Calls), Has.None.EqualTo(RestorePhase.Check));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task MembersReportingTwoClusterIds_FailWaitHealthyAndRollBack()
    {
        var members = Three((name, leader) => new StandInMember(name, leader, clusterId: name == "m3" ? "beef" : "c0ffee"));

        var outcome = await RunAsync(members);

        Assert.That(outcome.Failure, Does.Contain("in phase 'wait-healthy'").And.Contain("2 cluster ID(s)"));
        Assert.That(members.Select(m => m.LastCall), Is.All.EqualTo(RestorePhase.Rollback));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task MembersThatWouldRestoreToDifferentRevisions_AreRefusedBeforeAnythingStops()
    {
        var members = Three((name, leader) => new StandInMember(name, leader) { Command = name == "m3" ? "etcdctl snapshot restore s" : "etcdutl snapshot restore s --bump-revision 1000000000" });

        var outcome = await RunAsync(members);

        Assert.That(outcome.Failure, Does.StartWith("cluster restore refused: the members would restore to different revisions (m1, m2: --bump-revision 1000000000; m3: no --bump-revision, etcdctl's restore)")
            .And.EndWith("nothing was stopped"));
        Assert.That(members.SelectMany(m => m.Calls), Does.Not.Contain(RestorePhase.StopApi));
    }

    [TestCase("--initial-cluster-token", "m3: other-token", "m1, m2: s-token")]
    [TestCase("--initial-cluster", "m3: m1=http://a:2380,m3=http://c:2380", "m1, m2: m1=http://a:2380,m2=http://b:2380,m3=http://c:2380")]
    public async Task MembersThatWouldRestoreIntoDifferentClusters_AreRefusedBeforeAnythingStops(string flag, string odd, string rest)
    {
        string Command(string name) =>
            "etcdutl snapshot restore s --name " + name
            + " --initial-cluster " + (flag == "--initial-cluster" && name == "m3" ? "m3=http://c:2380,m1=http://a:2380" : "m3=http://c:2380,m2=http://b:2380,m1=http://a:2380")
            + " --initial-cluster-token " + (flag == "--initial-cluster-token" && name == "m3" ? "other-token" : "s-token")
            + " --bump-revision 1000000000";
        var members = Three((name, leader) => new StandInMember(name, leader) { Command = Command(name) });

        var outcome = await RunAsync(members);

        Assert.That(outcome.Failure, Does.StartWith($"cluster restore refused: the members would restore with different {flag} (")
            .And.Contain(odd).And.Contain(rest).And.EndWith("nothing was stopped"));
        Assert.That(members.SelectMany(m => m.Calls), Does.Not.Contain(RestorePhase.StopApi));
    }
}
