namespace EtcdBackupd.Retention;

internal static partial class RetentionLog
{
    [LoggerMessage(EventId = 3001, EventName = "RetentionDeleted", Level = LogLevel.Information,
        Message = "Retention removed {SnapshotPath}: {Reason} (dry run: {DryRun})")]
    public static partial void Deleted(ILogger logger, string snapshotPath, string reason, bool dryRun);

    [LoggerMessage(EventId = 3002, EventName = "RetentionDeleteFailed", Level = LogLevel.Warning,
        Message = "Retention could not remove {SnapshotPath}: {Reason}")]
    public static partial void DeleteFailed(ILogger logger, string snapshotPath, string reason);

    [LoggerMessage(EventId = 3003, EventName = "RetentionRemoteDeleted", Level = LogLevel.Information,
        Message = "Retention removed {SnapshotPath} on {PeerHost}:{PeerPort}: {Reason}")]
    public static partial void RemoteDeleted(ILogger logger, string peerHost, int peerPort, string snapshotPath, string reason);

    [LoggerMessage(EventId = 3004, EventName = "RetentionRemoteFailed", Level = LogLevel.Warning,
        Message = "Retention of the copies on {PeerHost}:{PeerPort} could not run: {Reason}")]
    public static partial void RemoteFailed(ILogger logger, string peerHost, int peerPort, string reason);

    [LoggerMessage(EventId = 3005, EventName = "RetentionPaused", Level = LogLevel.Information,
        Message = "Retention does not run while {RestoreUnderWay} is open on this member; nothing was deleted")]
    public static partial void Paused(ILogger logger, string restoreUnderWay);

    [LoggerMessage(EventId = 3006, EventName = "SnapshotPinned", Level = LogLevel.Information,
        Message = "Pinned {SnapshotPath} as {PinLabel}: retention keeps it, here and on the peers, until it is unpinned")]
    public static partial void Pinned(ILogger logger, string snapshotPath, string pinLabel);

    [LoggerMessage(EventId = 3007, EventName = "SnapshotUnpinned", Level = LogLevel.Information,
        Message = "Unpinned {SnapshotPath} (was {PinLabel}): retention treats it like any other snapshot again")]
    public static partial void Unpinned(ILogger logger, string snapshotPath, string pinLabel);

    [LoggerMessage(EventId = 3008, EventName = "RetentionOffsiteDeleted", Level = LogLevel.Information,
        Message = "Retention removed {OffsiteKey} and its manifest from off-site target {OffsiteTarget}: {Reason}")]
    public static partial void OffsiteDeleted(ILogger logger, string offsiteTarget, string offsiteKey, string reason);

    [LoggerMessage(EventId = 3011, EventName = "RetentionOffsiteManifestDeleted", Level = LogLevel.Information,
        Message = "Retention removed the manifest {ManifestKey} from off-site target {OffsiteTarget}: its object {OffsiteKey} is gone, and the snapshot is older than {RetentionDays} days")]
    public static partial void OffsiteManifestDeleted(ILogger logger, string offsiteTarget, string manifestKey, string offsiteKey, int retentionDays);

    [LoggerMessage(EventId = 3009, EventName = "RetentionOffsiteFailed", Level = LogLevel.Warning,
        Message = "Retention of the copies in off-site target {OffsiteTarget} could not run: {Reason}")]
    public static partial void OffsiteFailed(ILogger logger, string offsiteTarget, string reason);

    [LoggerMessage(EventId = 3010, EventName = "RetentionOffsiteOtherCluster", Level = LogLevel.Warning,
        Message = "Retention left {OffsiteObjectCount} objects under {OffsitePrefix} in off-site target {OffsiteTarget} untouched: their manifests record cluster {OffsiteClusterIds}, not one of this cluster's ({KnownClusterIds}); retention here never deletes them, and each cluster needs its own Offsite.Targets Prefix")]
    public static partial void OffsiteOtherCluster(ILogger logger, string offsiteTarget, string offsitePrefix, int offsiteObjectCount, string offsiteClusterIds, string knownClusterIds);

    [LoggerMessage(EventId = 3012, EventName = "RetentionOffsiteUploadAborted", Level = LogLevel.Information,
        Message = "Retention aborted the unfinished multipart upload {OffsiteUploadId} of {OffsiteKey} in off-site target {OffsiteTarget}, started {OffsiteUploadStartedAt:u}: no uploader finishes it, and its parts were billed")]
    public static partial void OffsiteUploadAborted(ILogger logger, string offsiteTarget, string offsiteKey, string offsiteUploadId, DateTimeOffset offsiteUploadStartedAt);

    [LoggerMessage(EventId = 3013, EventName = "RetentionOffsiteUploadsNotListed", Level = LogLevel.Warning,
        Message = "Retention could not list the unfinished multipart uploads in off-site target {OffsiteTarget} ({Reason}): parts an upload killed midway left are not cleared; give the keys s3:ListBucketMultipartUploads, or clear them with a lifecycle rule")]
    public static partial void OffsiteUploadsNotListed(ILogger logger, string offsiteTarget, string reason);

    [LoggerMessage(EventId = 3014, EventName = "RetentionClockAhead", Level = LogLevel.Warning,
        Message = "Retention of the copies on {PeerHost}:{PeerPort} in {PeerDirectory} judged ages as of {RetentionJudgedAt:u}, a day past the newest write the peer dated ({StoreNewestWrite:u}), not by this master's clock ({ClockNow:u}): "
            + "either this clock is ahead (fix it: it would have deleted copies there that are not old) or nothing reached the peer for more than a day")]
    public static partial void ClockAhead(ILogger logger, string peerHost, int peerPort, string peerDirectory, DateTimeOffset retentionJudgedAt, DateTimeOffset storeNewestWrite, DateTimeOffset clockNow);

    [LoggerMessage(EventId = 3015, EventName = "RetentionOffsiteClockAhead", Level = LogLevel.Warning,
        Message = "Retention of the copies in off-site target {OffsiteTarget} judged ages as of {RetentionJudgedAt:u}, a day past the newest write the bucket dated ({StoreNewestWrite:u}), not by this master's clock ({ClockNow:u}): "
            + "either this clock is ahead (fix it: it would have deleted copies there that are not old) or nothing reached the bucket for more than a day")]
    public static partial void OffsiteClockAhead(ILogger logger, string offsiteTarget, DateTimeOffset retentionJudgedAt, DateTimeOffset storeNewestWrite, DateTimeOffset clockNow);
}
