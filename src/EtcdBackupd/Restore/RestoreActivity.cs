namespace EtcdBackupd.Restore;

/// <summary>
/// Whether a restore is under way on this member, and of what: while one is, retention does not run
/// here (locally or over SFTP), so the snapshot being restored, however old, cannot be pruned from
/// under it; and a stop waits (<see cref="RestoreShutdownGuard"/>) while work is running (a local
/// restore, a coordinator's run, a member's phase).
/// </summary>
internal sealed class RestoreActivity
{
    private string? _underWay;
    private int _running;

    /// <summary>"cluster restore session ID of NAME", or null when no restore is under way.</summary>
    public string? UnderWay => Volatile.Read(ref _underWay);

    /// <summary>Whether restore work is running in this process now.</summary>
    public bool Running => Volatile.Read(ref _running) > 0;

    public void Begin(string what) => Volatile.Write(ref _underWay, what);

    public void End() => Volatile.Write(ref _underWay, null);

    /// <summary>Marks restore work as running until the result is disposed.</summary>
    public IDisposable Working()
    {
        Interlocked.Increment(ref _running);
        return new Work(this);
    }

    private sealed class Work(RestoreActivity activity) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                Interlocked.Decrement(ref activity._running);
            }
        }
    }
}
