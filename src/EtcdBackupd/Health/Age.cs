using System.Globalization;

namespace EtcdBackupd.Health;

/// <summary>A duration as an operator reads it: "40 min", "26 h", "3 d".</summary>
internal static class Age
{
    public static string Of(TimeSpan span) => span switch
    {
        { TotalMinutes: < 120 } => string.Create(CultureInfo.InvariantCulture, $"{Math.Max(0, (int)span.TotalMinutes)} min"),
        { TotalHours: < 72 } => string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours} h"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalDays} d"),
    };
}
