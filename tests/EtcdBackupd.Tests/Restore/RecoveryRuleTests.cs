using EtcdBackupd.Protocol.Restore;
using EtcdBackupd.Restore;

namespace EtcdBackupd.Tests.Restore;

/// <summary>The one rule a recovery follows: finish everywhere or roll back everywhere, never a mix.</summary>
[Category("Fast")]
internal sealed class RecoveryRuleTests
{
    private static SessionState State(SessionOutcome outcome, params RestorePhase[] done) => new()
    {
        Session = "s1", Outcome = outcome, Snapshot = "snap.db", Sha256 = "ab", Coordinator = "m1 run 1", OpenedAt = DateTimeOffset.UnixEpoch, Done = done,
        LeaseSecondsLeft = 0,
    };

    private static readonly RestorePhase[] Restored = [RestorePhase.Check, RestorePhase.StopApi, RestorePhase.StopEtcd, RestorePhase.RestoreData];

    [Test]
    public void EveryMemberRestoredItsData_IsFinishedEverywhere()
    {
        var verdict = RecoveryRule.Decide([("m1", State(SessionOutcome.Open, Restored)), ("m2", State(SessionOutcome.Open, [.. Restored, RestorePhase.StartEtcd])),
            ("m3", State(SessionOutcome.Open, Restored))]);

        Assert.That(verdict, Is.EqualTo(new RecoveryVerdict(RecoveryDecision.Finish, "every member had restored its data from the snapshot")));
    }

    [Test]
    public void AMemberWhoseRollbackWasCutShort_IsRolledBackEverywhere_ThoughEveryMemberHadRestoredItsData()
    {
        var verdict = RecoveryRule.Decide([("m1", State(SessionOutcome.Open, Restored) with { Failed = RestorePhase.Rollback }),
            ("m2", State(SessionOutcome.Open, [.. Restored, RestorePhase.StartEtcd])), ("m3", State(SessionOutcome.Open, Restored) with { Running = RestorePhase.Rollback })]);

        Assert.That(verdict, Is.EqualTo(new RecoveryVerdict(RecoveryDecision.RollBack, "m1, m3 had begun rolling back")));
    }

    [Test]
    public void ARollbackBegunOnOneMemberAndAFinishOnAnother_NeedsAnOperator()
    {
        var verdict = RecoveryRule.Decide([("m1", State(SessionOutcome.Open, Restored) with { Failed = RestorePhase.Rollback }), ("m2", State(SessionOutcome.Finished))]);

        Assert.That((verdict.Decision, verdict.NeedsOperator), Is.EqualTo((RecoveryDecision.Nothing, true)));
    }

    [Test]
    public void ARollbackLeftIncompleteWithNoMemberOpen_NeedsAnOperator_AndIsNotCalledRolledBack()
    {
        var verdict = RecoveryRule.Decide([("m1", State(SessionOutcome.RolledBack)), ("m2", State(SessionOutcome.RollbackIncomplete)),
            ("m3", State(SessionOutcome.RolledBack))]);

        Assert.That((verdict.Decision, verdict.NeedsOperator), Is.EqualTo((RecoveryDecision.Nothing, true)));
        Assert.That(verdict.Reason, Does.StartWith("the rollback was incomplete on m2: finish it there by hand"));
    }

    [Test]
    public void ARollbackLeftIncompleteWhileAnotherMemberIsOpen_RollsBackTheOpenOne_AndStillNeedsAnOperatorNamingIt()
    {
        var verdict = RecoveryRule.Decide([("m1", State(SessionOutcome.RollbackIncomplete)), ("m2", State(SessionOutcome.Open, Restored)),
            ("m3", State(SessionOutcome.RolledBack))]);

        Assert.That(verdict.Decision, Is.EqualTo(RecoveryDecision.RollBack));
        Assert.That(verdict.NeedsOperator, Is.True, "m1 may still have etcd stopped: the recovery must not exit 0");
        Assert.That(verdict.Reason, Does.Contain("the rollback was incomplete on m1"));
    }

    [Test]
    public void OneMemberStillBeforeItsRestore_RollsBackEveryMember_NamingIt()
    {
        var stopped = State(SessionOutcome.Open, RestorePhase.Check, RestorePhase.StopApi, RestorePhase.StopEtcd) with { Failed = RestorePhase.RestoreData };

        var verdict = RecoveryRule.Decide([("m1", stopped), ("m2", State(SessionOutcome.Open, Restored)), ("m3", State(SessionOutcome.Open, Restored))]);

        Assert.That(verdict.Decision, Is.EqualTo(RecoveryDecision.RollBack));
        Assert.That(verdict.Reason, Is.EqualTo("m1 had not restored its data ('restore-data' failed there)"));
    }

    [Test]
    public void AFinishedMember_MeansOnlyTheClosingIsLeft()
    {
        var verdict = RecoveryRule.Decide([("m1", State(SessionOutcome.Finished, Restored)), ("m2", State(SessionOutcome.Open, Restored)), ("m3", State(SessionOutcome.Open, Restored))]);

        Assert.That((verdict.Decision, verdict.CloseOnly), Is.EqualTo((RecoveryDecision.Finish, true)));
    }

    [Test]
    public void AMemberThatNeverOpenedTheSession_RollsBackTheOthers()
    {
        var verdict = RecoveryRule.Decide([("m1", State(SessionOutcome.Open, Restored)), ("m2", null), ("m3", State(SessionOutcome.Open, RestorePhase.Check))]);

        Assert.That(verdict, Is.EqualTo(new RecoveryVerdict(RecoveryDecision.RollBack, "m2 never opened the session")));
    }

    [Test]
    public void FinishedOnOneAndRolledBackOnAnother_ChangesNothingAndSaysTheyDisagree()
    {
        var verdict = RecoveryRule.Decide([("m1", State(SessionOutcome.Finished)), ("m2", State(SessionOutcome.RolledBack)), ("m3", State(SessionOutcome.Open, Restored))]);

        Assert.That(verdict.Decision, Is.EqualTo(RecoveryDecision.Nothing));
        Assert.That(verdict.Reason, Does.StartWith("the members disagree: finished on m1, rolled back on m2"));
    }

    [Test]
    public void ClosedEverywhere_OrUnknownEverywhere_ChangesNothing()
    {
        Assert.That(RecoveryRule.Decide([("m1", State(SessionOutcome.RolledBack)), ("m2", State(SessionOutcome.RolledBack))]).Reason,
            Is.EqualTo("the session is rolled back on every member already"));
        Assert.That(RecoveryRule.Decide([("m1", null), ("m2", null)]).Decision, Is.EqualTo(RecoveryDecision.Nothing));
    }
}
