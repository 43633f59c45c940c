using Microsoft.Extensions.Logging;

namespace EtcdBackupd.State;

internal static partial class StateLog
{
    [LoggerMessage(EventId = 12001, EventName = "CopyLedgerFailed", Level = LogLevel.Warning,
        Message = "Cannot record the copies to the peers in {StateFile} in State.Directory: {Reason}; the health verdict and metrics miss this push")]
    public static partial void CopyLedgerFailed(ILogger logger, string stateFile, string reason);
}
