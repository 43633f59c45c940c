namespace EtcdBackupd.Service;

/// <summary>
/// What the daemon knows about its own recent work: the last attempt, the last success, the next
/// scheduled time and failures by kind. Feeds <c>systemctl status</c>, the metrics file and the control channel.
/// </summary>
internal sealed class DaemonState
{
    private readonly Lock _lock = new();
    private readonly Dictionary<SnapshotFailure, long> _failures = [];

    /// <summary>Raised after every change, outside the lock.</summary>
    public event Action? Changed;

    public SnapshotOutcome? LastAttempt { get; private set; }

    public SnapshotOutcome? LastSuccess { get; private set; }

    public DateTimeOffset? NextScheduled { get; private set; }

    public bool Running { get; private set; }

    /// <summary>The latest health evaluation: the verdict and the snapshots and copies read from disk.</summary>
    public Health.HealthView? Health { get; private set; }

    private long _received;
    private long _total;

    /// <summary>Bytes received of the running snapshot, and etcd's database size it is heading for.</summary>
    public (long Received, long Total) Progress => (Interlocked.Read(ref _received), Interlocked.Read(ref _total));

    private string? _uploadingTo;

    /// <summary>The off-site target the running snapshot is being uploaded to, once etcd's part is done; null before.</summary>
    public string? UploadingTo => Volatile.Read(ref _uploadingTo);

    /// <summary>Raw snapshot bytes read into the upload to <paramref name="target"/>; the total stays the snapshot's size.</summary>
    public void Uploading(string target, long bytes)
    {
        Volatile.Write(ref _uploadingTo, target);
        Interlocked.Exchange(ref _received, bytes);
    }

    public void Receiving(long received, long total)
    {
        Interlocked.Exchange(ref _received, received);
        Interlocked.Exchange(ref _total, total);
    }

    public IReadOnlyDictionary<SnapshotFailure, long> Failures
    {
        get
        {
            lock (_lock)
            {
                return new Dictionary<SnapshotFailure, long>(_failures);
            }
        }
    }

    public void Started()
    {
        lock (_lock)
        {
            Running = true;
        }

        Volatile.Write(ref _uploadingTo, null);

        Changed?.Invoke();
    }

    public void Finished(SnapshotOutcome outcome)
    {
        lock (_lock)
        {
            Running = false;
            LastAttempt = outcome;
            if (outcome.Succeeded)
            {
                LastSuccess = outcome;
            }
            else if (outcome.Error is { } error)
            {
                _failures[error.Failure] = _failures.GetValueOrDefault(error.Failure) + 1;
            }
        }

        Changed?.Invoke();
    }

    public void Scheduled(DateTimeOffset? next)
    {
        lock (_lock)
        {
            NextScheduled = next;
        }

        Changed?.Invoke();
    }

    public void Observed(Health.HealthView view)
    {
        lock (_lock)
        {
            Health = view;
        }

        Changed?.Invoke();
    }

    /// <summary>One line for <c>systemctl status</c>: is my cluster backed up?</summary>
    public string Describe()
    {
        lock (_lock)
        {
            var next = NextScheduled is { } n ? $"next {n.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z" : "no next time";
            var health = Health is null ? "" : Health.Report.Healthy ? "; healthy"
                : "; UNHEALTHY: " + string.Join("; ", Health.Report.Problems.Select(p => p.Message));
            if (Running)
            {
                // The verdict too: a run may last long, and "in progress" alone hid an unhealthy master meanwhile.
                return $"snapshot in progress; {next}{health}";
            }

            var last = LastAttempt switch
            {
                // After a restart: what the directory holds, by the time in its name.
                null when Health?.NewestSnapshot is { } held =>
                    $"newest snapshot {held.CreatedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z on disk (member {held.Member}), revision {held.Revision}, {held.SizeBytes} bytes",
                null => "no snapshot taken yet",
                { Result: { } r } a => $"last snapshot {a.FinishedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z ok, revision {r.Manifest.Revision}, {r.Manifest.SizeBytes} bytes"
                    + (a.Peers.Count > 0 ? $", copies on {a.Peers.Count(p => p.Ok)} of {a.Peers.Count} peers" : "")
                    + OffsiteWords(a.Offsite),
                { Error: { } e } a => $"last snapshot {a.FinishedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z FAILED ({e.Failure.Words()}: {e.Message})"
                    + (LastSuccess is { } s ? $"; last good {s.FinishedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z" : "; no good snapshot yet"),
                _ => "unknown",
            };
            return $"{last}; {next}{health}";
        }
    }

    /// <summary>Nothing when every target has its copy; the failed targets named when one has not.</summary>
    private static string OffsiteWords(IReadOnlyList<Offsite.OffsiteUploadResult> offsite) =>
        offsite.Where(o => !o.Ok).Select(o => o.Target).ToList() is { Count: > 0 } failed
            ? $", off-site copy FAILED to {string.Join(", ", failed)}"
            : offsite.Count > 0 ? $", off-site in {offsite.Count} of {offsite.Count} targets" : "";
}
