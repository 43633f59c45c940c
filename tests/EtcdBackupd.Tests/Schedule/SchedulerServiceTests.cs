using System.Threading.Channels;
using EtcdBackupd.Configuration;
using EtcdBackupd.Schedule;
using EtcdBackupd.Service;
using EtcdBackupd.Snapshots;
using EtcdBackupd.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace EtcdBackupd.Tests.Schedule;

/// <summary>The schedule on a fake clock: nothing here sleeps for real beyond waiting for the service to react.</summary>
[Category("Fast")]
internal sealed class SchedulerServiceTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 24, 4, 59, 0, TimeSpan.Zero);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private TempDirectory _dir = null!;
    private FakeTimeProvider _time = null!;
    private StandInTrigger _trigger = null!;
    private CapturingLogger<SchedulerService> _log = null!;
    private SchedulerService? _service;
    private DaemonState _state = null!;
    private Live<ScheduleOptions> _schedule = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = new TempDirectory("schedule");
        _time = new FakeTimeProvider(Start);
        _trigger = new StandInTrigger(_time, _dir.Path);
        _log = new CapturingLogger<SchedulerService>();
        _state = new DaemonState();
    }

    [TearDown]
    public async Task TearDown()
    {
        if (_service is not null)
        {
            await _service.StopAsync(CancellationToken.None);
            _service.Dispose();
        }

        _dir.Dispose();
    }

    private async Task StartAsync(MemberRole? role, TakenBy takenBy = TakenBy.Leader, string cron = "0 5 * * *")
    {
        _schedule = new Live<ScheduleOptions>(Options(cron, takenBy));
        _service = new SchedulerService(_schedule, new SnapshotDirectory(_dir.Path), new StandInRoles(role), _trigger,
            _state, _time, _log);
        await _service.StartAsync(CancellationToken.None);
        await WaitUntilSleepingAsync();
    }

    private static ScheduleOptions Options(string cron, TakenBy takenBy = TakenBy.Leader) => new()
    {
        Schedules = [CronSchedule.Parse(cron, TimeZoneInfo.Utc)],
        TimeZone = TimeZoneInfo.Utc,
        TakenBy = takenBy,
        FollowerGrace = TimeSpan.FromMinutes(30),
    };

    /// <summary>
    /// The service runs on its own thread: the fake clock must not move before it has read the time and
    /// gone to sleep, or it would sleep until an occurrence the test never reaches.
    /// </summary>
    private async Task WaitUntilSleepingAsync()
    {
        var deadline = DateTime.UtcNow + Patience;
        while (_state.NextScheduled is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5);
        }

        // From the state's update to the timer's registration is a few instructions; a generous pause covers it.
        await Task.Delay(200);
    }

    /// <summary>Moves the fake clock a step at a time until the service has reacted to an occurrence.</summary>
    private async Task<string> AdvanceUntilAsync(Func<Task<string?>> reacted, TimeSpan most, TimeSpan? step = null)
    {
        var stride = step ?? TimeSpan.FromSeconds(30);
        var moved = TimeSpan.Zero;
        string? what = null;
        await Eventually.UntilAsync(async () =>
            {
                if ((what = await reacted()) is not null)
                {
                    return true;
                }

                if (moved < most)
                {
                    _time.Advance(stride);
                    moved += stride;
                }

                return false;
            },
            Patience, "the scheduler to react", TimeSpan.FromMilliseconds(5));
        return what!;
    }

    private Task<string?> Taken() => Task.FromResult(_trigger.Requests.Reader.TryRead(out var r) ? r : null);

    private Task<string?> Skipped() => Task.FromResult(
        _log.Events.Reader.TryRead(out var e) ? (e.EventName == "ScheduledSnapshotSkipped" ? e.Message : null) : null);

    [Test]
    [CancelAfter(20_000)]
    public async Task Occurrence_OnTheLeader_TakesASnapshotAtFiveOClock()
    {
        SyntheticSnapshots.Write(_dir.Path, Start.AddHours(-1));
        await StartAsync(new MemberRole("m1", true, "m1"));

        var reason = await AdvanceUntilAsync(Taken, TimeSpan.FromMinutes(2));

        Assert.That(reason, Does.StartWith("schedule: '0 5 * * *' at 2026-11-24T05:00:00Z"));
        Assert.That(_trigger.At, Has.Count.EqualTo(1).And.All.GreaterThanOrEqualTo(Start.AddMinutes(1)));
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task Reload_WithAnotherSchedule_MovesTheNextTimeAtOnceWithoutTakingASnapshot()
    {
        SyntheticSnapshots.Write(_dir.Path, Start.AddHours(-1));
        await StartAsync(new MemberRole("m1", true, "m1"));
        Assert.That(_state.NextScheduled, Is.EqualTo(Start.AddMinutes(1)));

        _schedule.Set(Options("30 4 * * *"));

        var next = new DateTimeOffset(2026, 11, 25, 4, 30, 0, TimeSpan.Zero);
        await Eventually.UntilAsync(() => Task.FromResult(_state.NextScheduled == next), Patience, "the next scheduled time to move", TimeSpan.FromMilliseconds(5));
        _time.Advance(TimeSpan.FromMinutes(2));
        await Task.Delay(200);
        Assert.That(_trigger.At, Is.Empty, "05:00 is no longer a scheduled time");
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task Reload_AfterAScheduleThatNeverFires_BringsTheSchedulerBack()
    {
        SyntheticSnapshots.Write(_dir.Path, Start.AddHours(-1));
        _schedule = new Live<ScheduleOptions>(Options("0 5 31 2 *"));
        _service = new SchedulerService(_schedule, new SnapshotDirectory(_dir.Path), new StandInRoles(new MemberRole("m1", true, "m1")), _trigger, _state, _time, _log);
        await _service.StartAsync(CancellationToken.None);
        await Eventually.UntilAsync(() => Task.FromResult(_log.Events.Reader.TryRead(out var e) && e.EventName == "NothingScheduled"), Patience, "NothingScheduled");

        _schedule.Set(Options("0 5 * * *"));
        await Eventually.UntilAsync(() => Task.FromResult(_state.NextScheduled == Start.AddMinutes(1)), Patience, "the next scheduled time", TimeSpan.FromMilliseconds(5));
        await Task.Delay(200);
        var reason = await AdvanceUntilAsync(Taken, TimeSpan.FromMinutes(2));

        Assert.That(reason, Does.StartWith("schedule: '0 5 * * *' at 2026-11-24T05:00:00Z"));
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task Start_AfterAMissedOccurrence_CatchesUpAtOnce()
    {
        SyntheticSnapshots.Write(_dir.Path, Start.AddDays(-2));
        await StartAsync(new MemberRole("m1", true, "m1"));

        var reason = await AdvanceUntilAsync(Taken, TimeSpan.Zero);

        Assert.That(reason, Does.StartWith("catch-up of a missed occurrence").And.Contain("2026-11-23T05:00:00Z"));
        Assert.That(_trigger.At, Is.EqualTo(new[] { Start }));
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task Start_WithASnapshotNamedAheadOfTheClockAndAnOldOne_StillCatchesUp()
    {
        // Taken while a clock ran two days ahead: health passes over it, and so must the scheduler.
        SyntheticSnapshots.Write(_dir.Path, Start.AddDays(2));
        SyntheticSnapshots.Write(_dir.Path, Start.AddDays(-2));
        await StartAsync(new MemberRole("m1", true, "m1"));

        var reason = await AdvanceUntilAsync(Taken, TimeSpan.Zero);

        Assert.That(reason, Does.StartWith("catch-up of a missed occurrence").And.Contain("2026-11-23T05:00:00Z"));
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task Start_WithASnapshotSinceTheLastOccurrence_DoesNotCatchUp()
    {
        SyntheticSnapshots.Write(_dir.Path, Start.AddHours(-2));
        await StartAsync(new MemberRole("m1", true, "m1"));

        var reason = await AdvanceUntilAsync(Taken, TimeSpan.FromMinutes(2));

        Assert.That(reason, Does.StartWith("schedule: '0 5 * * *' at 2026-11-24T05:00:00Z"), "the 05:00 occurrence, no catch-up at 04:59");
        Assert.That(_trigger.At, Has.Count.EqualTo(1));
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task Occurrence_OnAFollowerWhileCopiesArrive_IsSkippedWithTheReason()
    {
        SyntheticSnapshots.Write(_dir.Path, Start.AddHours(-1));
        await StartAsync(new MemberRole("m2", false, "m1"));

        var skipped = await AdvanceUntilAsync(Skipped, TimeSpan.FromMinutes(2));

        Assert.That(skipped, Does.Contain("m2 is not the leader (leader is m1)"));
        Assert.That(_trigger.At, Is.Empty);
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task Follower_WhenNoSnapshotForAnOccurrenceArrivesWithinTheGrace_StandsInThen()
    {
        // The leader's snapshot of yesterday's 05:00, and then its daemon died.
        SyntheticSnapshots.Write(_dir.Path, new DateTimeOffset(2026, 11, 23, 5, 0, 1, TimeSpan.Zero));
        await StartAsync(new MemberRole("m2", false, "m1"));

        var reason = await AdvanceUntilAsync(Taken, TimeSpan.FromDays(2.1), TimeSpan.FromMinutes(1));

        Assert.That(reason, Does.StartWith("stand-in for '0 5 * * *' at 2026-11-24T05:00:00Z").And.Contain("standing in for the leader's daemon"),
            "the grace after today's occurrence, not a day later when yesterday's snapshot is a period plus the grace old");
        Assert.That(_trigger.At.Single(), Is.InRange(Start.AddMinutes(31), Start.AddMinutes(33)));
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task Follower_WhenTheLeadersSnapshotArrivesWithinTheGrace_DoesNotStandIn()
    {
        SyntheticSnapshots.Write(_dir.Path, new DateTimeOffset(2026, 11, 23, 5, 0, 1, TimeSpan.Zero));
        await StartAsync(new MemberRole("m2", false, "m1"));
        await AdvanceUntilAsync(Skipped, TimeSpan.FromMinutes(2));

        // The leader's copy of today's 05:00, named by a clock a few seconds behind ours.
        SyntheticSnapshots.Write(_dir.Path, Start.AddSeconds(55));
        var skipped = await AdvanceUntilAsync(Skipped, TimeSpan.FromHours(1), TimeSpan.FromMinutes(1));

        Assert.That(skipped, Does.Contain("the snapshot for it arrived (the newest is from 2026-11-24T04:59:55Z)"));
        Assert.That(_trigger.At, Is.Empty);
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task Follower_WithNoSnapshotYet_StandsInTheGraceAfterTheFirstOccurrence()
    {
        await StartAsync(new MemberRole("m2", false, "m1"));

        var reason = await AdvanceUntilAsync(Taken, TimeSpan.FromDays(2.1), TimeSpan.FromMinutes(1));

        Assert.That(reason, Does.StartWith("stand-in for '0 5 * * *' at 2026-11-24T05:00:00Z").And.Contain("no snapshot is here"));
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task Occurrence_WithTakenByEvery_TakesWithoutAskingWhoLeads()
    {
        SyntheticSnapshots.Write(_dir.Path, Start.AddHours(-1));
        await StartAsync(role: null, TakenBy.Every);

        var reason = await AdvanceUntilAsync(Taken, TimeSpan.FromMinutes(2));

        Assert.That(reason, Does.Contain("Snapshots.TakenBy is 'every'"));
    }

    /// <summary>A stand-in for the coordinator: records when it was asked and leaves a snapshot, as a real one would.</summary>
    private sealed class StandInTrigger(FakeTimeProvider time, string directory) : ISnapshotTrigger
    {
        public Channel<string> Requests { get; } = Channel.CreateUnbounded<string>();

        public List<DateTimeOffset> At { get; } = [];

        public Task<SnapshotOutcome> RunAsync(string reason, CancellationToken cancellationToken)
        {
            var now = time.GetUtcNow();
            lock (At)
            {
                At.Add(now);
            }

            SyntheticSnapshots.Write(directory, now);
            Requests.Writer.TryWrite(reason);
            return Task.FromResult(new SnapshotOutcome(now, now, reason, null, null));
        }
    }

    /// <summary>A stand-in for etcd's answer about who leads; etcd itself is asked in the end-to-end test.</summary>
    private sealed class StandInRoles(MemberRole? role) : IMemberRoleSource
    {
        public Task<MemberRole?> GetAsync(CancellationToken cancellationToken) => Task.FromResult(role);
    }
}
