namespace EtcdBackupd.Commands;

/// <summary>Exit codes of the one-shot commands, as documented in the README.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    /// <summary>The operation was attempted and failed (etcd, stream, disk).</summary>
    public const int Failed = 1;
    /// <summary>Usage or configuration error: nothing was attempted.</summary>
    public const int Usage = 2;
}
