namespace EtcdBackupd.Restore;

/// <summary>
/// Whether a restore is under way on this member, and of what: while one is, retention does not run
/// here (locally or over SFTP), so the snapshot being restored, however old, cannot be pruned from
/// under it on any master that holds a session.
/// </summary>
internal sealed class RestoreActivity
{
    private string? _underWay;

    /// <summary>"cluster restore session ID of NAME", or null when no restore is under way.</summary>
    public string? UnderWay => Volatile.Read(ref _underWay);

    public void Begin(string what) => Volatile.Write(ref _underWay, what);

    public void End() => Volatile.Write(ref _underWay, null);
}
