using EtcdBackupd.Schedule;

namespace EtcdBackupd.Health;

/// <summary>The longest wait between two consecutive runs of several cron schedules together.</summary>
internal static class ScheduleGaps
{
    /// <summary>
    /// A cron pattern repeats within a year (leap days and DST aside), so 400 days ahead find every
    /// kind of gap; 20,000 runs bound the work for second-by-second schedules, whose gaps are regular.
    /// </summary>
    private static readonly TimeSpan Horizon = TimeSpan.FromDays(400);

    private const int MaxRuns = 20_000;

    /// <summary>A schedule that never fires again counts as daily, so the verdict still has a bound.</summary>
    private static readonly TimeSpan WhenNeverAgain = TimeSpan.FromDays(1);

    public static TimeSpan Longest(IReadOnlyList<CronSchedule> schedules, DateTimeOffset from)
    {
        var longest = TimeSpan.Zero;
        var previous = Next(schedules, from);
        for (var runs = 0; previous is { } run && run - from < Horizon && runs < MaxRuns; runs++)
        {
            var next = Next(schedules, run);
            if (next is null)
            {
                break;
            }

            longest = next.Value - run > longest ? next.Value - run : longest;
            previous = next;
        }

        return longest == TimeSpan.Zero ? WhenNeverAgain : longest;
    }

    private static DateTimeOffset? Next(IReadOnlyList<CronSchedule> schedules, DateTimeOffset after) =>
        schedules.Select(s => s.NextAfter(after)).Where(t => t is not null).Min();
}
