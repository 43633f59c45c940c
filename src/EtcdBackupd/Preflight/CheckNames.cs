namespace EtcdBackupd.Preflight;

/// <summary>The <c>name</c> of each check line: stable, for scripts that read <c>--json</c>.</summary>
internal static class CheckNames
{
    public const string Configuration = "configuration";
    public const string Tls = "tls";
    public const string Etcd = "etcd";
    public const string SnapshotDirectory = "snapshot-directory";
    public const string Peer = "peer";
    public const string Offsite = "offsite";
    public const string Restore = "restore";
}
