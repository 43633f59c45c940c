namespace EtcdBackupd.Restore;

internal static partial class RestoreLog
{
    [LoggerMessage(EventId = 9001, EventName = "RestoreStep", Level = LogLevel.Information, Message = "Restore: {RestoreStep}")]
    public static partial void Step(ILogger logger, string restoreStep);

    [LoggerMessage(EventId = 9002, EventName = "RestoreFailed", Level = LogLevel.Error,
        Message = "Restore failed at '{RestoreStep}': {Reason}; rolling back")]
    public static partial void Failed(ILogger logger, string restoreStep, string reason);

    [LoggerMessage(EventId = 9003, EventName = "RestoreRolledBack", Level = LogLevel.Warning, Message = "Restore rollback: {RestoreStep}")]
    public static partial void RolledBack(ILogger logger, string restoreStep);

    [LoggerMessage(EventId = 9004, EventName = "RestoreRollbackFailed", Level = LogLevel.Critical,
        Message = "Restore rollback step '{RestoreStep}' failed: {Reason}; the old data directory is kept, an operator must finish by hand")]
    public static partial void RollbackFailed(ILogger logger, string restoreStep, string reason);

    [LoggerMessage(EventId = 9005, EventName = "ClusterRestored", Level = LogLevel.Information,
        Message = "Cluster restore of {SnapshotName} finished on {MemberCount} members: one leader, one cluster ID, API servers started")]
    public static partial void ClusterRestored(ILogger logger, string snapshotName, int memberCount);

    [LoggerMessage(EventId = 9006, EventName = "ClusterRestoreFailed", Level = LogLevel.Error,
        Message = "Cluster restore failed in phase '{RestorePhase}': {Reason}; rolling back every member that got that far")]
    public static partial void ClusterFailed(ILogger logger, string restorePhase, string reason);

    [LoggerMessage(EventId = 9007, EventName = "RestoreMemberSilent", Level = LogLevel.Error,
        Message = "Cluster restore member {RestoreMember} gave no answer to '{RestorePhase}' within {DeadlineSeconds} s; its state is unknown")]
    public static partial void MemberSilent(ILogger logger, string restoreMember, string restorePhase, double deadlineSeconds);

    [LoggerMessage(EventId = 9008, EventName = "StopWaitsForRestore", Level = LogLevel.Warning,
        Message = "Stopping: waiting for {RestoreUnderWay} to complete or roll back before the daemon exits")]
    public static partial void StopWaits(ILogger logger, string restoreUnderWay);

    [LoggerMessage(EventId = 9009, EventName = "StopAfterRestore", Level = LogLevel.Information,
        Message = "Stopping: {RestoreUnderWay} has ended (see its result above); the daemon exits now")]
    public static partial void StopProceeds(ILogger logger, string restoreUnderWay);

    [LoggerMessage(EventId = 9010, EventName = "StopAbandonsRestoreSession", Level = LogLevel.Error,
        Message = "Stopping although {RestoreUnderWay} is still open: no step came for {Minutes} minutes, its coordinator is gone; this member may be half-restored: check etcd and its data directory by hand")]
    public static partial void StopAbandons(ILogger logger, string restoreUnderWay, double minutes);
}
