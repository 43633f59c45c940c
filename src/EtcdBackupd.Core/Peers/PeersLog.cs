using Microsoft.Extensions.Logging;

namespace EtcdBackupd.Peers;

internal static partial class PeersLog
{
    [LoggerMessage(EventId = 7001, EventName = "PeerCopied", Level = LogLevel.Information,
        Message = "Copied {SnapshotPath} to {PeerHost}:{PeerPort} in {PeerDirectory} ({SnapshotSizeBytes} bytes in {DurationSeconds:F1} s)")]
    public static partial void Copied(ILogger logger, string snapshotPath, string peerHost, int peerPort, string peerDirectory, long snapshotSizeBytes, double durationSeconds);

    [LoggerMessage(EventId = 7002, EventName = "PeerCopySkipped", Level = LogLevel.Information,
        Message = "{PeerHost}:{PeerPort} already has {SnapshotPath} with the same size and SHA-256; not sent again")]
    public static partial void AlreadyThere(ILogger logger, string peerHost, int peerPort, string snapshotPath);

    [LoggerMessage(EventId = 7003, EventName = "PeerCopyAttemptFailed", Level = LogLevel.Warning,
        Message = "Copy of {SnapshotPath} to {PeerHost}:{PeerPort} in {PeerDirectory} failed (attempt {Attempt} of {Attempts}): {Reason}")]
    public static partial void AttemptFailed(ILogger logger, string snapshotPath, string peerHost, int peerPort, string peerDirectory, int attempt, int attempts, string reason);

    [LoggerMessage(EventId = 7004, EventName = "PeerCopyFailed", Level = LogLevel.Error,
        Message = "No copy of {SnapshotPath} on {PeerHost}:{PeerPort} in {PeerDirectory}: {Reason}")]
    public static partial void Failed(ILogger logger, string snapshotPath, string peerHost, int peerPort, string peerDirectory, string reason);

    [LoggerMessage(EventId = 7005, EventName = "PeerHostKeyTrustedOnFirstUse", Level = LogLevel.Warning,
        Message = "Trusted the host key of {PeerHost}:{PeerPort} on first use ({HostKeyType} {HostKeyFingerprint}), added to {KnownHostsFile}")]
    public static partial void TrustedOnFirstUse(ILogger logger, string peerHost, int peerPort, string hostKeyType, string hostKeyFingerprint, string knownHostsFile);

    [LoggerMessage(EventId = 7006, EventName = "PeerFreeSpace", Level = LogLevel.Debug,
        Message = "{PeerHost}:{PeerPort} has {PeerFreeBytes} bytes free in {PeerDirectory}; the copy needs {NeededBytes}")]
    public static partial void FreeSpace(ILogger logger, string peerHost, int peerPort, ulong peerFreeBytes, string peerDirectory, long neededBytes);

    [LoggerMessage(EventId = 7007, EventName = "PeerFreeSpaceUnknown", Level = LogLevel.Debug,
        Message = "{PeerHost}:{PeerPort} does not offer statvfs@openssh.com; copying to {PeerDirectory} without checking its free space")]
    public static partial void FreeSpaceUnknown(ILogger logger, string peerHost, int peerPort, string peerDirectory);

    [LoggerMessage(EventId = 7008, EventName = "PeerPartialRemoved", Level = LogLevel.Information,
        Message = "Removed {PartPath} on {PeerHost}:{PeerPort}: {Reason}")]
    public static partial void PartialRemoved(ILogger logger, string partPath, string peerHost, int peerPort, string reason);

    [LoggerMessage(EventId = 7009, EventName = "PeerPartialRemoveFailed", Level = LogLevel.Warning,
        Message = "Could not remove {PartPath} on {PeerHost}:{PeerPort} ({Reason}); this process tries again at its next connection there, and any push removes it once untouched for a day")]
    public static partial void PartialRemoveFailed(ILogger logger, string partPath, string peerHost, int peerPort, string reason);

    [LoggerMessage(EventId = 7010, EventName = "PeerManifestSent", Level = LogLevel.Information,
        Message = "Sent the rewritten manifest {ManifestPath} to {PeerHost}:{PeerPort}")]
    public static partial void ManifestSent(ILogger logger, string manifestPath, string peerHost, int peerPort);

    [LoggerMessage(EventId = 7011, EventName = "PeerManifestFailed", Level = LogLevel.Warning,
        Message = "Could not send the rewritten manifest {ManifestPath} to {PeerHost}:{PeerPort}: {Reason}")]
    public static partial void ManifestFailed(ILogger logger, string manifestPath, string peerHost, int peerPort, string reason);

    [LoggerMessage(EventId = 7012, EventName = "PeerSendOwed", Level = LogLevel.Warning,
        Message = "{PeerHost} is owed the {OwedKind} of {SnapshotPath}: kept in copies.json and tried again every {RetrySeconds} s (Peers.RetrySeconds) until it succeeds")]
    public static partial void Owed(ILogger logger, EtcdBackupd.State.OwedKind owedKind, string snapshotPath, string peerHost, double retrySeconds);

    [LoggerMessage(EventId = 7013, EventName = "PeerOwedSendMade", Level = LogLevel.Information,
        Message = "Sent the {OwedKind} of {SnapshotPath} to {PeerHost}, owed since {OwedSince:u}")]
    public static partial void OwedPaid(ILogger logger, EtcdBackupd.State.OwedKind owedKind, string snapshotPath, string peerHost, DateTimeOffset owedSince);

    [LoggerMessage(EventId = 7014, EventName = "PeerOwedSendDropped", Level = LogLevel.Information,
        Message = "No longer owed to {PeerHost}: the {OwedKind} of {SnapshotPath}, because {Reason}")]
    public static partial void OwedDropped(ILogger logger, EtcdBackupd.State.OwedKind owedKind, string snapshotPath, string peerHost, string reason);
}
