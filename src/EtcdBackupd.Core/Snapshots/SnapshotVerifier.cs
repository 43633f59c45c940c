using System.Collections.Concurrent;

namespace EtcdBackupd.Snapshots;

/// <summary>
/// Checks etcd's trailer of snapshots on disk, remembering the answer for a file that has not changed
/// (same size and mtime), so retention does not re-read gigabytes on every run.
/// </summary>
internal sealed class SnapshotVerifier
{
    private readonly ConcurrentDictionary<string, (long Size, DateTime Modified, bool Good)> _known = new();

    public bool IsGood(SnapshotEntry entry, CancellationToken cancellationToken)
    {
        var info = new FileInfo(entry.Path);
        if (!info.Exists)
        {
            return false;
        }

        if (Known(entry) is { } known)
        {
            return known;
        }

        bool good;
        try
        {
            good = EtcdTrailer.Verify(entry.Path, cancellationToken);
        }
        catch (IOException)
        {
            good = false;
        }

        _known[entry.Path] = (info.Length, info.LastWriteTimeUtc, good);
        return good;
    }

    /// <summary>What is known without reading the file: true or false if checked since it last changed, else null.</summary>
    public bool? Known(SnapshotEntry entry)
    {
        var info = new FileInfo(entry.Path);
        return _known.TryGetValue(entry.Path, out var known) && known.Size == info.Length && known.Modified == info.LastWriteTimeUtc
            ? known.Good
            : null;
    }

    /// <summary>Records a file this process has just written and verified while streaming it.</summary>
    public void Remember(string path, bool good)
    {
        var info = new FileInfo(path);
        _known[path] = (info.Length, info.LastWriteTimeUtc, good);
    }
}
