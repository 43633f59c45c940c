using Microsoft.Extensions.Logging;

namespace EtcdBackupd.Fetch;

internal static partial class FetchLog
{
    [LoggerMessage(EventId = 14001, EventName = "SnapshotFetched", Level = LogLevel.Information,
        Message = "Fetched {SnapshotPath} from {PeerHost}:{PeerPort} in {PeerDirectory} ({SnapshotSizeBytes} bytes in {DurationSeconds:F1} s), verified against etcd's trailer and its manifest")]
    public static partial void Fetched(ILogger logger, string snapshotPath, string peerHost, int peerPort, string peerDirectory, long snapshotSizeBytes, double durationSeconds);

    [LoggerMessage(EventId = 14002, EventName = "SnapshotFetchAlreadyHere", Level = LogLevel.Information,
        Message = "{SnapshotPath} is here already, identical to the copy on {PeerHost}:{PeerPort}; not downloaded")]
    public static partial void AlreadyHere(ILogger logger, string snapshotPath, string peerHost, int peerPort);

    [LoggerMessage(EventId = 14003, EventName = "SnapshotFetchRefused", Level = LogLevel.Warning,
        Message = "Did not take {SnapshotName} from {PeerHost}:{PeerPort}: {Reason}")]
    public static partial void Refused(ILogger logger, string snapshotName, string peerHost, int peerPort, string reason);
}
