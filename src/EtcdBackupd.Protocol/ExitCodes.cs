namespace EtcdBackupd.Protocol;

/// <summary>
/// The exit codes of both programs (etcd-backupd's one-shot commands and etcd-backupctl), a contract
/// operators script against: later work adds to this table and never renumbers it.
/// </summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>Failed, refused, unhealthy, or a problem listed.</summary>
    public const int Failed = 1;

    /// <summary>Usage, configuration, or a request the daemon called <c>bad_request</c>: nothing was attempted.</summary>
    public const int Usage = 2;

    /// <summary>The daemon cannot be reached.</summary>
    public const int Unreachable = 3;

    /// <summary>No final answer within the CLI's timeout: the outcome is unknown, the daemon carries on.</summary>
    public const int Timeout = 4;

    /// <summary>The snapshot was saved, but a copy (to a peer, later off-site) failed.</summary>
    public const int CopyFailed = 5;
}
