namespace EtcdBackupd.Schedule;

internal static partial class ScheduleLog
{
    [LoggerMessage(EventId = 5001, EventName = "ScheduledSnapshotSkipped", Level = LogLevel.Information,
        Message = "Skipped the scheduled snapshot '{Schedule}' at {Occurrence:yyyy-MM-ddTHH:mm:ssZ}: {Reason}")]
    public static partial void Skipped(ILogger logger, string schedule, DateTimeOffset occurrence, string reason);

    [LoggerMessage(EventId = 5002, EventName = "MemberRoleUnknown", Level = LogLevel.Warning,
        Message = "Cannot tell whether the local member leads: {Reason}")]
    public static partial void RoleUnknown(ILogger logger, string reason);

    [LoggerMessage(EventId = 5003, EventName = "NothingScheduled", Level = LogLevel.Warning,
        Message = "No schedule has a future occurrence; only requested snapshots will be taken")]
    public static partial void NothingScheduled(ILogger logger);

    [LoggerMessage(EventId = 5004, EventName = "ScheduleNeverFires", Level = LogLevel.Warning,
        Message = "Snapshots.Schedules entry '{Schedule}' never fires (no date matches it); the other schedules run")]
    public static partial void NeverFires(ILogger logger, string schedule);
}
