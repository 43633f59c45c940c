using Microsoft.Extensions.Logging;

namespace EtcdBackupd.State;

internal static partial class StateLog
{
    [LoggerMessage(EventId = 12001, EventName = "CopyLedgerFailed", Level = LogLevel.Warning,
        Message = "Cannot record the copies to the peers in {StateFile} in State.Directory: {Reason}; the health verdict and metrics miss this push")]
    public static partial void CopyLedgerFailed(ILogger logger, string stateFile, string reason);

    [LoggerMessage(EventId = 12002, EventName = "CopyLedgerUnreadable", Level = LogLevel.Error,
        Message = "{StateFile} in State.Directory is not a ledger this daemon can read ({Reason}); kept as {KeptAs} and a new one begun. "
            + "The sends it listed as owed to peers are no longer retried: compare the peers' directories and run etcd-backupctl push")]
    public static partial void CopyLedgerUnreadable(ILogger logger, string stateFile, string reason, string keptAs);
}
