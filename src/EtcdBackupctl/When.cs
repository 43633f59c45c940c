using System.Globalization;

namespace EtcdBackupctl;

/// <summary>Times for people: "2026-11-25 05:00 UTC, 3 h ago", or "in 5 min" for one still to come.</summary>
internal static class When
{
    /// <summary>The time in UTC to the minute (to the second with <c>--wide</c>), and how long ago or ahead it is.</summary>
    public static string Format(DateTimeOffset? time, View view) => time is not { } t ? "-"
        : t.UtcDateTime.ToString(view.Wide ? "yyyy-MM-dd HH:mm:ss" : "yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC, " + Age(t, view.Now);

    /// <summary>
    /// "3 h ago", "in 5 min", "now". One unit, rounded to the nearest: seconds under 2 min, minutes under 2 h,
    /// hours under 2 days, then days; each rounded value is at most a fifth off, and the time beside it is exact.
    /// </summary>
    public static string Age(DateTimeOffset time, DateTimeOffset now)
    {
        var span = now - time;
        var seconds = Math.Abs(span.TotalSeconds);
        var amount = Round(seconds) switch
        {
            0 => null,
            < 120 and var s => $"{s} s",
            _ when Round(seconds / 60) is < 120 and var m => $"{m} min",
            _ when Round(seconds / 3600) is < 48 and var h => $"{h} h",
            _ => $"{Round(seconds / 86400)} days",
        };
        return amount is null ? "now" : span > TimeSpan.Zero ? amount + " ago" : "in " + amount;
    }

    // Half away from zero: 2.5 h is 3 h, never the banker's 2 h.
    private static long Round(double value) => (long)Math.Floor(value + 0.5);
}
