using EtcdBackupd.Control;
using EtcdBackupd.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace EtcdBackupd.Tests.Control;

/// <summary>A flood of requests from one member of the control group cannot push the daemon's own lines out of journald.</summary>
[Category("Fast")]
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
internal sealed class ControlJournalBudgetTests
{
    private static readonly PeerCredentials Nobody = new(Pid: 100, Uid: 65534, Gid: 65534);
    private static readonly PeerCredentials Other = new(Pid: 101, Uid: 1000, Gid: 1000);
    private static readonly PeerCredentials Root = new(Pid: 1, Uid: 0, Gid: 0);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
    private readonly CapturingLogger<ControlJournalBudget> _logger = new();

    private ControlJournalBudget Budget() => new(_time, _logger);

    private static int Allowed(ControlJournalBudget budget, PeerCredentials peer, int lines) =>
        Enumerable.Range(0, lines).Count(_ => budget.Allows(peer));

    private List<(string EventName, string Message)> Logged()
    {
        var events = new List<(string, string)>();
        while (_logger.Events.Reader.TryRead(out var e))
        {
            events.Add(e);
        }

        return events;
    }

    [Test]
    public void AUserOverTheLimit_IsLoggedSixtyTimesAMinute_AndTheRestAreCountedOnceWhenTheMinuteEnds()
    {
        var budget = Budget();

        Assert.That(Allowed(budget, Nobody, 1000), Is.EqualTo(ControlJournalBudget.LinesPerMinute));
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.That(Allowed(budget, Nobody, 500), Is.Zero);
        Assert.That(Logged(), Is.Empty, "nothing is reported before the minute ends");

        _time.Advance(TimeSpan.FromSeconds(30));

        var report = Logged().Single();
        Assert.That(report.EventName, Is.EqualTo("ControlLinesHeldBack"));
        Assert.That(report.Message, Does.StartWith("1440 control-socket lines of uid 65534").And.Contain("2026-11-28T12:00:00"));
        Assert.That(Allowed(budget, Nobody, 100), Is.EqualTo(ControlJournalBudget.LinesPerMinute), "a new minute, a new allowance");
    }

    [Test]
    public void RootAndOtherUsers_AreNotHeldBackByOneUsersFlood()
    {
        var budget = Budget();
        Allowed(budget, Nobody, 1000);

        Assert.That(Allowed(budget, Root, 1000), Is.EqualTo(1000));
        Assert.That(Allowed(budget, Other, 10), Is.EqualTo(10));
    }

    [Test]
    public void AUserUnderTheLimit_LeavesNoReport()
    {
        var budget = Budget();
        Assert.That(Allowed(budget, Nobody, ControlJournalBudget.LinesPerMinute), Is.EqualTo(ControlJournalBudget.LinesPerMinute));

        _time.Advance(TimeSpan.FromMinutes(5));

        Assert.That(Logged(), Is.Empty);
    }
}
