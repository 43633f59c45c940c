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
    public static partial void ClusterFailed(ILogger logger, string restorePhase, string reason, Exception? exception);

    [LoggerMessage(EventId = 9007, EventName = "RestoreMemberSilent", Level = LogLevel.Error,
        Message = "Cluster restore member {RestoreMember} gave no answer to '{RestorePhase}' within {DeadlineSeconds} s; its state is unknown")]
    public static partial void MemberSilent(ILogger logger, string restoreMember, string restorePhase, double deadlineSeconds);

    [LoggerMessage(EventId = 9008, EventName = "StopWaitsForRestore", Level = LogLevel.Warning,
        Message = "Stopping: waiting for {RestoreUnderWay} to complete or roll back before the daemon exits")]
    public static partial void StopWaits(ILogger logger, string restoreUnderWay);

    [LoggerMessage(EventId = 9009, EventName = "StopAfterRestore", Level = LogLevel.Information,
        Message = "Stopping: {RestoreUnderWay} has ended (see its result above); the daemon exits now")]
    public static partial void StopProceeds(ILogger logger, string restoreUnderWay);

    [LoggerMessage(EventId = 9010, EventName = "StopKeepsRestoreSession", Level = LogLevel.Warning,
        Message = "Stopping with {RestoreUnderWay} open and no step running: it stays in the state directory and is reloaded when the daemon starts")]
    public static partial void StopKeeps(ILogger logger, string restoreUnderWay);

    [LoggerMessage(EventId = 9011, EventName = "RestoreSessionReloaded", Level = LogLevel.Warning,
        Message = "Restore session {RestoreSession} of {Snapshot} reloaded from the state directory ({RestorePhase}); its coordinator goes on with it, or 'etcd-backupctl restore --recover {RestoreSession}' ends it on every member")]
    public static partial void SessionReloaded(ILogger logger, string restoreSession, string snapshot, string restorePhase);

    [LoggerMessage(EventId = 9012, EventName = "RestoreSessionUnreadable", Level = LogLevel.Error,
        Message = "Restore session file {Path} cannot be read ({Reason}); it is left in place for an operator")]
    public static partial void SessionUnreadable(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 9013, EventName = "RestoreSessionTakenOver", Level = LogLevel.Warning,
        Message = "Restore session {RestoreSession}: {Coordinator} takes over from {PreviousCoordinator}, whose lease ran out")]
    public static partial void TakenOver(ILogger logger, string restoreSession, string coordinator, string previousCoordinator);

    [LoggerMessage(EventId = 9014, EventName = "RestoreMemberRetry", Level = LogLevel.Warning,
        Message = "Cluster restore: no answer from {Member} to '{RestorePhase}' ({Reason}); reconnecting and asking again, attempt {Attempt} of {Attempts}")]
    public static partial void Retrying(ILogger logger, string member, string restorePhase, string reason, int attempt, int attempts);

    [LoggerMessage(EventId = 9015, EventName = "RestoreRecoveryDecided", Level = LogLevel.Warning,
        Message = "Recovery of restore session {RestoreSession}: {Decision}, because {Reason}")]
    public static partial void RecoveryDecided(ILogger logger, string restoreSession, string decision, string reason);

    [LoggerMessage(EventId = 9016, EventName = "RestoreLockUnavailable", Level = LogLevel.Warning, Message = "Restore lock: {Reason}")]
    public static partial void LockUnavailable(ILogger logger, string reason);

    [LoggerMessage(EventId = 9017, EventName = "RestoreSessionUnwritten", Level = LogLevel.Error,
        Message = "Restore session {RestoreSession}: its record cannot be written to {Path} ({Reason}); this process keeps it and writes it at the next save or read. Free State.Directory before this process ends, or the record on disk says open and a recovery rolls the member back again")]
    public static partial void SessionUnwritten(ILogger logger, string restoreSession, string path, string reason);

    [LoggerMessage(EventId = 9018, EventName = "RestoreSessionWrittenAgain", Level = LogLevel.Information,
        Message = "Restore session {RestoreSession}: its record is written to {Path} again")]
    public static partial void SessionWrittenAgain(ILogger logger, string restoreSession, string path);

    [LoggerMessage(EventId = 9019, EventName = "RestoreSessionReloadUnsaved", Level = LogLevel.Warning,
        Message = "Restore session {RestoreSession}: the phase the daemon stopped in ('{RestorePhase}') is taken as failed, but State.Directory refuses the record ({Reason}); the daemon starts anyway, and the record on disk is read the same way next time")]
    public static partial void ReloadUnsaved(ILogger logger, string restoreSession, string restorePhase, string reason);
}
