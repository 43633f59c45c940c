namespace EtcdBackupd.Control;

internal static partial class ControlLog
{
    [LoggerMessage(EventId = 8001, EventName = "ControlListening", Level = LogLevel.Information,
        Message = "Control socket {ControlSocket} ready (mode 0660, group {ControlGroup})")]
    public static partial void Listening(ILogger logger, string controlSocket, string controlGroup);

    [LoggerMessage(EventId = 8002, EventName = "ControlRefused", Level = LogLevel.Warning,
        Message = "Control request '{Command}' refused for uid {PeerUid} pid {PeerPid}: {Reason}")]
    public static partial void Refused(ILogger logger, int peerUid, int peerPid, string command, string reason);

    [LoggerMessage(EventId = 8003, EventName = "ControlCommand", Level = LogLevel.Information,
        Message = "Control request '{Command}' from uid {PeerUid} pid {PeerPid}")]
    public static partial void Command(ILogger logger, string command, int peerUid, int peerPid);

    [LoggerMessage(EventId = 8004, EventName = "ControlBusy", Level = LogLevel.Warning,
        Message = "Control connection of uid {PeerUid} pid {PeerPid} turned away: {Reason}")]
    public static partial void Busy(ILogger logger, int peerUid, int peerPid, string reason);

    [LoggerMessage(EventId = 8005, EventName = "SnapshotNotTaken", Level = LogLevel.Information,
        Message = "Ad-hoc snapshot for uid {PeerUid} not taken: {Reason}")]
    public static partial void SnapshotNotTaken(ILogger logger, int peerUid, string reason);

    [LoggerMessage(EventId = 8006, EventName = "ControlAcceptFailed", Level = LogLevel.Error,
        Message = "Control socket could not accept a connection: {Reason}; trying again")]
    public static partial void AcceptFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 8007, EventName = "SnapshotWaitsForEarlier", Level = LogLevel.Information,
        Message = "Ad-hoc snapshot for uid {PeerUid}: the snapshot running began before the request and may lack its writes; waiting for it to end first")]
    public static partial void SnapshotWaitsForEarlier(ILogger logger, int peerUid);

    [LoggerMessage(EventId = 8008, EventName = "ControlRequestFailed", Level = LogLevel.Error,
        Message = "Control request from uid {PeerUid} could not be handled; the client was told so, the details are in EXCEPTION")]
    public static partial void RequestFailed(ILogger logger, int peerUid, Exception exception);

    [LoggerMessage(EventId = 8009, EventName = "ControlLinesHeldBack", Level = LogLevel.Warning,
        Message = "{HeldBack} control-socket lines of uid {PeerUid} were not logged in the minute from {Since:o}: more than {LinesPerMinute} a minute (connections turned away, requests refused or run)")]
    public static partial void LinesHeldBack(ILogger logger, int heldBack, int peerUid, DateTimeOffset since, int linesPerMinute);
}
