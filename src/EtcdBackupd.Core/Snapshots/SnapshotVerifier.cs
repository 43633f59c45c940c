using EtcdBackupd.FileSystem;
using EtcdBackupd.State;

namespace EtcdBackupd.Snapshots;

/// <summary>
/// Checks etcd's trailer of snapshots on disk, remembering the answer for a file that has not changed
/// (<see cref="FileStamp"/>) in a <see cref="VerificationCache"/>, so retention does not re-read
/// gigabytes on every run and a restart does not forget what was checked.
/// </summary>
internal sealed class SnapshotVerifier(VerificationCache cache)
{
    /// <summary>Answers kept in memory only.</summary>
    public SnapshotVerifier()
        : this(new VerificationCache(null))
    {
    }

    public bool IsGood(SnapshotEntry entry, CancellationToken cancellationToken)
    {
        if (RegularFile.StampOf(entry.Path) is not { } stamp)
        {
            return false;
        }

        if (cache.Known(entry.FileName, stamp) is { } known)
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

        // The stamp read before the check: a file changed while it was read is read again next time.
        Store(entry.Path, stamp, good);
        return good;
    }

    /// <summary>What is known without reading the file: true or false if checked since it last changed, else null.</summary>
    public bool? Known(SnapshotEntry entry) =>
        RegularFile.StampOf(entry.Path) is { } stamp ? cache.Known(entry.FileName, stamp) : null;

    /// <summary>
    /// Reads the whole file against etcd's trailer (<c>verify</c>) and remembers the verdict under the file as it was before
    /// the read, as <see cref="IsGood"/> does: a file replaced meanwhile (a peer's push again, an operator's <c>mv</c>) is
    /// read again next time instead of inheriting the verdict on the one read.
    /// </summary>
    public (bool TrailerMatches, string FileSha256) Check(string path, CancellationToken cancellationToken)
    {
        var stamp = RegularFile.StampOf(path);
        var checkedNow = EtcdTrailer.Check(path, cancellationToken);
        if (stamp is { } before)
        {
            Store(path, before, checkedNow.TrailerMatches);
        }

        return checkedNow;
    }

    /// <summary>Records a file this process has just written and verified while streaming it.</summary>
    public void Remember(string path, bool good)
    {
        if (RegularFile.StampOf(path) is { } stamp)
        {
            Store(path, stamp, good);
        }
    }

    private void Store(string path, FileStamp stamp, bool good)
    {
        var directory = Path.GetDirectoryName(path)!;
        var present = Directory.EnumerateFiles(directory, SnapshotFileName.Prefix + "*" + SnapshotFileName.Extension)
            .Select(Path.GetFileName).OfType<string>().ToHashSet(StringComparer.Ordinal);
        try
        {
            cache.Remember(Path.GetFileName(path), stamp, good, present);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The answer stays in memory; losing the file costs one more read after the next restart.
        }
    }
}
