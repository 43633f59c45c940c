namespace EtcdBackupd.Configuration;

/// <summary>
/// A section of the configuration that a reload (SIGHUP) may replace while the daemon runs. Services read
/// <see cref="Current"/> at each use, so a new value takes effect at their next run; one that sleeps on
/// the old value (the schedule) waits on <see cref="Changed"/> as well.
/// </summary>
internal sealed class Live<T>(T initial) where T : class
{
    private T _current = initial;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public T Current => Volatile.Read(ref _current);

    /// <summary>Completes at the next <see cref="Set"/>.</summary>
    public Task Changed => Volatile.Read(ref _changed).Task;

    public void Set(T value)
    {
        Volatile.Write(ref _current, value);
        Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>A value that never changes: the one-shot commands, and tests.</summary>
    public static Live<T> Of(T value) => new(value);

    public static implicit operator Live<T>(T value) => new(value);
}
