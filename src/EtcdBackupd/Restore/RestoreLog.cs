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
}
