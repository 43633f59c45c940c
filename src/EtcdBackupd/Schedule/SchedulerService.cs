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
    DaemonState state, TimeProvider time, ILogger<SchedulerService> logger) : BackgroundService
{
    /// <summary>Long sleeps are cut into pieces so a changed wall clock is noticed within a day.</summary>
    private static readonly TimeSpan LongestSleep = TimeSpan.FromDays(1);

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
            if (next is null || schedule is null)
            {
                ScheduleLog.NothingScheduled(logger);
                return;
            }

            var wait = next.Value - now;
            if (wait > LongestSleep)
            {
                await SleepAsync(LongestSleep, changed, stoppingToken);
                continue;
            }

            if (wait > TimeSpan.Zero && !await SleepAsync(wait, changed, stoppingToken))
            {
                // A reload changed the schedules: the next time is computed again from them.
                continue;
            }

            await FireAsync(schedule, next.Value, started, "schedule", stoppingToken);
        }
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
        var newest = directory.NewestPlausible()?.CreatedAt;
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
            directory.NewestPlausible()?.CreatedAt, started);
        if (!decision.Take)
        {
            ScheduleLog.Skipped(logger, schedule.Text, occurrence, decision.Reason);
            return;
        }

        await trigger.RunAsync($"{why}: '{schedule}' at {occurrence:yyyy-MM-ddTHH:mm:ssZ}; {decision.Reason}", stoppingToken);
    }

    private (DateTimeOffset? Next, CronSchedule? Schedule) NextOccurrence(DateTimeOffset now) =>
        options.Schedules
            .Select(s => (Next: s.NextAfter(now), Schedule: (CronSchedule?)s))
            .Where(n => n.Next is not null)
            .OrderBy(n => n.Next)
            .FirstOrDefault();
}
