using EtcdBackupd.Configuration;
using EtcdBackupd.Service;
using Microsoft.Extensions.Hosting;

namespace EtcdBackupd.Schedule;

/// <summary>
/// Sleeps until the next cron occurrence (no polling), then asks for a snapshot if this daemon should
/// take it. On start, it catches up an occurrence missed while it was down.
/// </summary>
internal sealed class SchedulerService(
    Live<ScheduleOptions> liveSchedule, SnapshotDirectory directory, IMemberRoleSource roles, ISnapshotTrigger trigger,
    DaemonState state, TimeProvider time, ILogger<SchedulerService> logger, Lineage.ClusterLineage? lineage = null) : BackgroundService
{
    /// <summary>Long sleeps are cut into pieces so a changed wall clock is noticed within a day.</summary>
    private static readonly TimeSpan LongestSleep = TimeSpan.FromDays(1);

    /// <summary>
    /// Set when this follower skipped an occurrence: at <see cref="StandInCheck.At"/>, the grace after it, it
    /// looks for the leader's snapshot and stands in without it. Without this check a follower stood in
    /// only at a later occurrence, when the newest snapshot was a period plus the grace old: one whole
    /// period late (a day and a half with no snapshot, by default, after the leader's daemon died).
    /// </summary>
    private StandInCheck? _standIn;

    private ScheduleOptions? _told;

    /// <summary>Read at each use: a reload replaces it.</summary>
    private ScheduleOptions options => liveSchedule.Current;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RunAsync(stoppingToken);
        }
        catch (Exception) when (stoppingToken.IsCancellationRequested)
        {
            // The stop cancelled a call under way (etcd's answer to the role probe, say); gRPC says so with an
            // RpcException, which is no failure of the loop.
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var started = time.GetUtcNow();
        state.Scheduled(NextOccurrence(started).Next);
        await CatchUpAsync(started, stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            // Taken before the schedules are read: a reload from here on wakes the sleep below.
            var changed = liveSchedule.Changed;
            var now = time.GetUtcNow();
            var (next, schedule) = NextOccurrence(now);
            state.Scheduled(next);
            SayWhichNeverFire(now);
            if (_standIn is { } check && (next is null || check.At < next))
            {
                if (await SleepUntilAsync(check.At, changed, stoppingToken))
                {
                    _standIn = null;
                    await StandInAsync(check, stoppingToken);
                }

                continue;
            }

            // An occurrence comes first: it decides afresh, by a period plus the grace.
            _standIn = null;
            if (next is null || schedule is null)
            {
                ScheduleLog.NothingScheduled(logger);
                // A reload may bring schedules that fire; until then, only requested snapshots.
                await Task.WhenAny(changed, Task.Delay(Timeout.Infinite, stoppingToken));
                continue;
            }

            if (await SleepUntilAsync(next.Value, changed, stoppingToken))
            {
                await FireAsync(schedule, next.Value, started, "schedule", stoppingToken);
            }
        }
    }

    /// <summary>False when a reload replaced the schedules before <paramref name="at"/>, or the sleep was cut at a day: the loop computes the next time again.</summary>
    private async Task<bool> SleepUntilAsync(DateTimeOffset at, Task changed, CancellationToken stoppingToken)
    {
        var wait = at - time.GetUtcNow();
        if (wait > LongestSleep)
        {
            await SleepAsync(LongestSleep, changed, stoppingToken);
            return false;
        }

        // The sleep is measured on a monotonic clock: after a wall clock set back, the time is not there yet.
        return wait <= TimeSpan.Zero || (await SleepAsync(wait, changed, stoppingToken) && time.GetUtcNow() >= at);
    }

    /// <summary>False when a reload replaced the schedules (<paramref name="changed"/>) before <paramref name="wait"/> was over.</summary>
    private async Task<bool> SleepAsync(TimeSpan wait, Task changed, CancellationToken stoppingToken)
    {
        using var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var sleep = Task.Delay(wait, time, wake.Token);
        if (await Task.WhenAny(sleep, changed) == changed)
        {
            await wake.CancelAsync();
            return false;
        }

        await sleep;
        return true;
    }

    private async Task CatchUpAsync(DateTimeOffset now, CancellationToken stoppingToken)
    {
        var missed = options.Schedules
            .Select(s => (At: s.LastAtOrBefore(now), Schedule: s))
            .Where(m => m.At is not null)
            .OrderByDescending(m => m.At)
            .FirstOrDefault();
        var newest = Newest();
        if (missed.At is { } at && (newest is null || newest < at))
        {
            var what = newest is null ? "no snapshot yet" : $"the newest snapshot, from {newest:yyyy-MM-ddTHH:mm:ssZ}, is older";
            await FireAsync(missed.Schedule, at, now, $"catch-up of a missed occurrence ({what})", stoppingToken);
        }
    }

    private async Task FireAsync(CronSchedule schedule, DateTimeOffset occurrence, DateTimeOffset started, string why, CancellationToken stoppingToken)
    {
        var role = options.TakenBy == TakenBy.Leader ? await roles.GetAsync(stoppingToken) : null;
        var decision = ScheduleDecision.Decide(options, time.GetUtcNow(), schedule.PeriodAt(occurrence), role,
            Newest(), started);
        if (!decision.Take)
        {
            ScheduleLog.Skipped(logger, schedule.Text, occurrence, decision.Reason);
            // A follower skipped: the leader's snapshot should be here within the grace, or this one stands in then.
            // From now, for an occurrence caught up at start: the leader's daemon may be starting too.
            var from = time.GetUtcNow() > occurrence ? time.GetUtcNow() : occurrence;
            _standIn = new StandInCheck(schedule, occurrence, from + ScheduleDecision.StandInAfter(options));
            return;
        }

        await trigger.RunAsync($"{why}: '{schedule}' at {occurrence:yyyy-MM-ddTHH:mm:ssZ}; {decision.Reason}", stoppingToken);
    }

    /// <summary>Once per schedule in force, at start and after a reload that changed it.</summary>
    private void SayWhichNeverFire(DateTimeOffset now)
    {
        if (ReferenceEquals(_told, options))
        {
            return;
        }

        _told = options;
        foreach (var never in _told.Schedules.Where(s => s.NextAfter(now) is null))
        {
            ScheduleLog.NeverFires(logger, never.Text);
        }
    }

    private async Task StandInAsync(StandInCheck check, CancellationToken stoppingToken)
    {
        var decision = ScheduleDecision.StandIn(options, check.Occurrence, check.Schedule.PeriodAt(check.Occurrence), await roles.GetAsync(stoppingToken),
            Newest());
        if (!decision.Take)
        {
            ScheduleLog.Skipped(logger, check.Schedule.Text, check.Occurrence, decision.Reason);
            return;
        }

        await trigger.RunAsync($"stand-in for '{check.Schedule}' at {check.Occurrence:yyyy-MM-ddTHH:mm:ssZ}: {decision.Reason}", stoppingToken);
    }

    private DateTimeOffset? Newest() => directory.NewestBackingUp(time.GetUtcNow(), lineage?.Known() ?? [])?.CreatedAt;

    private (DateTimeOffset? Next, CronSchedule? Schedule) NextOccurrence(DateTimeOffset now) =>
        options.Schedules
            .Select(s => (Next: s.NextAfter(now), Schedule: (CronSchedule?)s))
            .Where(n => n.Next is not null)
            .OrderBy(n => n.Next)
            .FirstOrDefault();
}

/// <summary>A follower's look, at <paramref name="At"/>, for the snapshot of <paramref name="Occurrence"/>.</summary>
internal sealed record StandInCheck(CronSchedule Schedule, DateTimeOffset Occurrence, DateTimeOffset At);
