using Cronos;

namespace EtcdBackupd.Schedule;

/// <summary>One cron expression of <c>Snapshots.Schedules</c>, in the configured time zone.</summary>
internal sealed class CronSchedule(string text, CronExpression expression, TimeZoneInfo zone)
{
    /// <summary>How far back to look for the last occurrence, growing until one is found.</summary>
    private static readonly TimeSpan[] LookBack =
        [TimeSpan.FromMinutes(2), TimeSpan.FromHours(2), TimeSpan.FromDays(2), TimeSpan.FromDays(64), TimeSpan.FromDays(800)];

    public string Text { get; } = text;

    /// <summary>Five fields, or six with seconds first.</summary>
    public static CronSchedule Parse(string text, TimeZoneInfo zone)
    {
        var fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        var format = fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard;
        return new CronSchedule(text, CronExpression.Parse(text, format), zone);
    }

    public DateTimeOffset? NextAfter(DateTimeOffset time) => expression.GetNextOccurrence(time, zone);

    /// <summary>The latest occurrence at or before <paramref name="time"/>, if any in the last two years.</summary>
    public DateTimeOffset? LastAtOrBefore(DateTimeOffset time)
    {
        foreach (var window in LookBack)
        {
            DateTimeOffset? last = null;
            foreach (var occurrence in expression.GetOccurrences(time - window, time, zone, fromInclusive: true, toInclusive: true))
            {
                last = occurrence;
            }

            if (last is not null)
            {
                return last;
            }
        }

        return null;
    }

    /// <summary>The time from <paramref name="occurrence"/> to the one after it: "one schedule period" there.</summary>
    public TimeSpan PeriodAt(DateTimeOffset occurrence) =>
        (NextAfter(occurrence) ?? occurrence + TimeSpan.FromDays(1)) - occurrence;

    public override string ToString() => Text;
}
