namespace EtcdBackupd.Peers;

/// <summary>
/// The <c>.part</c> files that failed uploads could not remove, their connection being gone, per target, until
/// the next connection to that target removes them. One pusher's targets are pushed in parallel, hence the lock.
/// </summary>
internal sealed class PartLeftovers
{
    private readonly Lock _lock = new();
    private readonly Dictionary<PeerTarget, HashSet<string>> _paths = [];

    public void Add(PeerTarget target, string path)
    {
        lock (_lock)
        {
            if (!_paths.TryGetValue(target, out var paths))
            {
                _paths[target] = paths = [];
            }

            paths.Add(path);
        }
    }

    /// <summary>The target's leftovers, forgotten here: the caller adds back those it could not remove.</summary>
    public IReadOnlyList<string> Take(PeerTarget target)
    {
        lock (_lock)
        {
            return _paths.Remove(target, out var paths) ? [.. paths] : [];
        }
    }
}
