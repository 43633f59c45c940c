namespace EtcdBackupd.Restore;

/// <summary>
/// Whether a restore is under way on this member, and of what: while one is, retention does not run
/// here (locally or over SFTP), so the snapshot being restored, however old, cannot be pruned from
/// under it; and a stop waits (<see cref="RestoreShutdownGuard"/>) while work is running (a local
/// restore, a coordinator's run, a member's phase).
/// </summary>
/// <param name="restoreLock">
/// The restore lock a one-shot <c>etcd-backupd restore</c> holds: a deletion does not run while it is held,
/// whoever holds it. Null: only this process's restores count.
/// </param>
internal sealed class RestoreActivity(RestoreLock? restoreLock = null)
{
    private readonly Lock _gate = new();
    private string? _underWay;
    private int _running;

    /// <summary>"cluster restore session ID of NAME", or null when no restore is under way.</summary>
    public string? UnderWay => Volatile.Read(ref _underWay);

    /// <summary>Whether restore work is running in this process now.</summary>
    public bool Running => Volatile.Read(ref _running) > 0;

    /// <summary>Marks a restore under way; once this returns, no deletion of <see cref="UnlessRestoring"/> is running, and none starts until <see cref="End"/>.</summary>
    public void Begin(string what)
    {
        lock (_gate)
        {
            Volatile.Write(ref _underWay, what);
        }
    }

    /// <summary>
    /// Runs <paramref name="delete"/> unless a restore is under way here or holds the restore lock; the reason
    /// when it did not run. Checked at each deletion, not once per prune: a prune verifies snapshots for a
    /// while before it deletes, and a restore begun meanwhile must keep the snapshot it has just checked.
    /// </summary>
    public string? UnlessRestoring(Action delete)
    {
        lock (_gate)
        {
            if (UnderWay is { } underWay)
            {
                return underWay;
            }

            if (restoreLock?.IsHeld() == true)
            {
                return $"a restore holding {restoreLock.Path} (a one-shot etcd-backupd restore)";
            }

            delete();
            return null;
        }
    }

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
