using EtcdBackupd.Schedule;

namespace EtcdBackupd.Tests.Schedule;

[Category("Fast")]
internal sealed class ScheduleDecisionTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 5, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);
    private static readonly MemberRole Leader = new("m1", true, "m1");
    private static readonly MemberRole Follower = new("m2", false, "m1");

    private static ScheduleOptions Options(TakenBy takenBy = TakenBy.Leader) => new()
    {
        Schedules = [CronSchedule.Parse("0 5 * * *", TimeZoneInfo.Utc)],
        TimeZone = TimeZoneInfo.Utc,
        TakenBy = takenBy,
        FollowerGrace = TimeSpan.FromMinutes(30),
    };

    [Test]
    public void Decide_TheLeader_Takes() =>
        Assert.That(ScheduleDecision.Decide(Options(), Now, Day, Leader, Now - Day, Now - Day * 10).Take, Is.True);

    [Test]
    public void Decide_AFollowerWithARecentCopy_SkipsAndSaysWhy()
    {
        var decision = ScheduleDecision.Decide(Options(), Now, Day, Follower, Now - Day, Now - Day * 10);

        Assert.That(decision.Take, Is.False);
        Assert.That(decision.Reason, Does.Contain("m2 is not the leader (leader is m1)"));
    }

    [Test]
    public void Decide_AFollowerWhoseNewestSnapshotIsOlderThanPeriodPlusGrace_StandsIn()
    {
        var decision = ScheduleDecision.Decide(Options(), Now, Day, Follower, Now - Day - TimeSpan.FromMinutes(31), Now - Day * 10);

        Assert.That(decision.Take, Is.True);
        Assert.That(decision.Reason, Does.Contain("standing in for the leader's daemon"));
    }

    [Test]
    public void Decide_AFollowerJustStartedWithNoSnapshot_GivesTheLeaderAPeriodFirst()
    {
        Assert.That(ScheduleDecision.Decide(Options(), Now, Day, Follower, null, Now - TimeSpan.FromMinutes(1)).Take, Is.False);
        Assert.That(ScheduleDecision.Decide(Options(), Now, Day, Follower, null, Now - Day - TimeSpan.FromHours(1)).Take, Is.True);
    }

    [Test]
    public void Decide_EveryDaemon_TakesEvenAsAFollower() =>
        Assert.That(ScheduleDecision.Decide(Options(TakenBy.Every), Now, Day, Follower, Now, Now).Take, Is.True);

    [Test]
    public void Decide_RoleUnknown_TriesRatherThanSkipping() =>
        Assert.That(ScheduleDecision.Decide(Options(), Now, Day, null, Now, Now).Take, Is.True);
}
