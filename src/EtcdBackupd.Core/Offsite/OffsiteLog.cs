using Microsoft.Extensions.Logging;

namespace EtcdBackupd.Offsite;

/// <summary>Off-site copies' events; <c>OffsiteTarget</c> becomes the journal field <c>OFFSITE_TARGET</c>.</summary>
internal static partial class OffsiteLog
{
    [LoggerMessage(EventId = 16001, EventName = "OffsiteCopied", Level = LogLevel.Information,
        Message = "Copied {SnapshotPath} to off-site target {OffsiteTarget}: bucket {OffsiteBucket}, object {OffsiteKey}, checked by reading back ({DurationSeconds:F1} s)")]
    public static partial void Uploaded(ILogger logger, string snapshotPath, string offsiteTarget, string offsiteBucket, string offsiteKey, double durationSeconds);

    [LoggerMessage(EventId = 16002, EventName = "OffsiteCopySkipped", Level = LogLevel.Information,
        Message = "Off-site target {OffsiteTarget} already has {OffsiteKey} with this snapshot's SHA-256; not sent again")]
    public static partial void AlreadyThere(ILogger logger, string offsiteTarget, string offsiteKey);

    [LoggerMessage(EventId = 16003, EventName = "OffsiteCopyAttemptFailed", Level = LogLevel.Warning,
        Message = "Off-site copy of {SnapshotPath} to {OffsiteTarget} failed (attempt {Attempt} of {Attempts}): {Reason}")]
    public static partial void AttemptFailed(ILogger logger, string snapshotPath, string offsiteTarget, int attempt, int attempts, string reason);

    [LoggerMessage(EventId = 16004, EventName = "OffsiteCopyFailed", Level = LogLevel.Error,
        Message = "No off-site copy of {SnapshotPath} in {OffsiteTarget}: {Reason}")]
    public static partial void Failed(ILogger logger, string snapshotPath, string offsiteTarget, string reason);

    [LoggerMessage(EventId = 16005, EventName = "OffsiteAbortFailed", Level = LogLevel.Warning,
        Message = "Could not abort the multipart upload {UploadId} in {OffsiteTarget} ({Reason}); the bucket's lifecycle rule for incomplete uploads removes its parts")]
    public static partial void AbortFailed(ILogger logger, string offsiteTarget, string uploadId, string reason);

    [LoggerMessage(EventId = 16006, EventName = "OffsitePinWritten", Level = LogLevel.Information,
        Message = "Off-site target {OffsiteTarget}: the manifest {ManifestKey} now has this master's pin ({PinLabel})")]
    public static partial void PinWritten(ILogger logger, string offsiteTarget, string manifestKey, string pinLabel);

    [LoggerMessage(EventId = 16007, EventName = "OffsitePinFailed", Level = LogLevel.Warning,
        Message = "Off-site target {OffsiteTarget}: the pin in {ManifestKey} could not be brought in line with this master's ({Reason}); off-site retention still reads this master's manifest")]
    public static partial void PinFailed(ILogger logger, string offsiteTarget, string manifestKey, string reason);

    [LoggerMessage(EventId = 16008, EventName = "OffsiteObjectLeftBehind", Level = LogLevel.Warning,
        Message = "Off-site target {OffsiteTarget}: {OffsiteKey} is left from an upload that did not complete and could not be deleted ({Reason}); no copy counts on it, and retention does not remove it: delete it by hand")]
    public static partial void LeftBehind(ILogger logger, string offsiteTarget, string offsiteKey, string reason);
}
