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

/// <summary>
/// The kind in words for what an operator reads (STATUS=, the one-shot's stderr, the control answer's message);
/// the enum's own name stays where scripts match it (the journal's FAILURE_KIND, the metric's label, --json).
/// </summary>
internal static class SnapshotFailureWords
{
    public static string Words(this SnapshotFailure failure) => failure switch
    {
        SnapshotFailure.EtcdUnavailable => "etcd unavailable",
        SnapshotFailure.StreamBroken => "snapshot stream broken",
        SnapshotFailure.TrailerMismatch => "checksum mismatch",
        SnapshotFailure.DiskFull => "disk full",
        SnapshotFailure.DiskError => "disk error",
        SnapshotFailure.Cancelled => "cancelled",
        _ => failure.ToString(),
    };
}
