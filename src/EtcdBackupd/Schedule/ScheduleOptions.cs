using Cronos;
using EtcdBackupd.Configuration;

namespace EtcdBackupd.Schedule;

/// <summary>Who snapshots on the schedule: only the daemon whose member leads, or every daemon.</summary>
internal enum TakenBy
{
    Leader,
    Every,
}

/// <summary>When scheduled snapshots are taken, and by whom.</summary>
internal sealed class ScheduleOptions
{
    /// <summary>The runbook's cron line: every day at 05:00.</summary>
    public const string DefaultSchedule = "0 5 * * *";

    public required IReadOnlyList<CronSchedule> Schedules { get; init; }

    public required TimeZoneInfo TimeZone { get; init; }

    public const TakenBy DefaultTakenBy = TakenBy.Leader;

    /// <summary><c>Snapshots.TakenBy</c>: <c>leader</c> (default) or <c>every</c>.</summary>
    public TakenBy TakenBy { get; init; } = DefaultTakenBy;

    public const int DefaultFollowerGraceMinutes = 30;

    /// <summary><c>Snapshots.FollowerGraceMinutes</c>: default 30, 0 to 10080. Slack before a follower stands in.</summary>
    public TimeSpan FollowerGrace { get; init; } = TimeSpan.FromMinutes(DefaultFollowerGraceMinutes);

    public static ScheduleOptions Read(ConfigReader config, TimeProvider time)
    {
        var zone = time.LocalTimeZone;
        var zoneName = config.String("Snapshots.TimeZone");
        if (zoneName is not null && !TimeZoneInfo.TryFindSystemTimeZoneById(zoneName, out zone))
        {
            config.Problem("Snapshots.TimeZone", $"'{zoneName}' is not a known time zone (for example UTC or Europe/Berlin)");
            zone = TimeZoneInfo.Utc;
        }

        var texts = config.StringArray("Snapshots.Schedules");
        var schedules = new List<CronSchedule>();
        for (var i = 0; i < texts.Count; i++)
        {
            try
            {
                schedules.Add(CronSchedule.Parse(texts[i], zone!));
            }
            catch (CronFormatException e)
            {
                config.Problem($"Snapshots.Schedules[{i}]", $"'{texts[i]}' is not a cron expression (five fields, or six with seconds): {e.Message}");
            }
        }

        // Cronos accepts dates no month has (February 31st). Beside one that fires it is only logged (the scheduler says
        // so): a configuration that ran before must still start; alone, no scheduled snapshot would ever be taken.
        if (schedules.Count > 0 && schedules.All(s => s.NextAfter(time.GetUtcNow()) is null))
        {
            config.Problem("Snapshots.Schedules", $"no expression ever fires (no date matches {string.Join(", ", schedules.Select(s => $"'{s.Text}'"))}, as February 31st): no scheduled snapshot would ever be taken");
        }

        if (texts.Count == 0 && config.Has("Snapshots.Schedules"))
        {
            config.Problem("Snapshots.Schedules", $"is an empty list: a daemon with no schedule never takes a snapshot; give at least one cron expression, or leave the key out for the default [\"{DefaultSchedule}\"]");
        }

        if (texts.Count == 0)
        {
            schedules.Add(CronSchedule.Parse(DefaultSchedule, zone!));
        }

        var takenBy = config.String("Snapshots.TakenBy")?.ToLowerInvariant();
        if (takenBy is not null and not "leader" and not "every")
        {
            config.Problem("Snapshots.TakenBy", $"'{takenBy}' must be 'leader' or 'every'");
        }

        return new ScheduleOptions
        {
            Schedules = schedules,
            TimeZone = zone!,
            TakenBy = takenBy switch { "leader" => TakenBy.Leader, "every" => TakenBy.Every, _ => DefaultTakenBy },
            FollowerGrace = TimeSpan.FromMinutes(config.Int("Snapshots.FollowerGraceMinutes", DefaultFollowerGraceMinutes, 0, 10080)),
        };
    }
}
