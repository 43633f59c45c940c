namespace EtcdBackupd.Snapshots;

/// <summary>Why a snapshot failed, by kind, so metrics can count failures and operators can act.</summary>
internal enum SnapshotFailure
{
    EtcdUnavailable,
    StreamBroken,
    TrailerMismatch,
    DiskFull,
    DiskError,
    Cancelled,
}

/// <summary>A snapshot that was not taken. Nothing that looks like a snapshot is left behind.</summary>
internal sealed class SnapshotException(SnapshotFailure failure, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public SnapshotFailure Failure { get; } = failure;
}
