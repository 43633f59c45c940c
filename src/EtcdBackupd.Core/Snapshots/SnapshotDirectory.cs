using EtcdBackupd.FileSystem;

namespace EtcdBackupd.Snapshots;

/// <summary>A snapshot file in the directory whose name is ours; its time comes from the name, never from mtime.</summary>
internal sealed record SnapshotEntry(string Path, DateTimeOffset CreatedAt, string MemberName, long Revision, long SizeBytes)
{
    public string FileName => System.IO.Path.GetFileName(Path);

    public string ManifestPath => SnapshotFileName.ManifestOf(Path);
}

/// <summary>
/// What is in a snapshot directory, as far as etcd-backupd is concerned: only names of our shape count,
/// so an operator's own files and other tools' backups are never touched.
/// </summary>
internal sealed class SnapshotDirectory(string directory)
{
    public string Path { get; } = directory;

    /// <summary>Our snapshots, newest first: regular files only (see <see cref="LeftAlone"/>).</summary>
    public IReadOnlyList<SnapshotEntry> List() =>
        [.. Named().Where(e => e.Kind == FileKind.Regular).Select(e => e.Entry).OrderByDescending(e => e.CreatedAt).ThenByDescending(e => e.Revision)];

    /// <summary>
    /// Entries named like our snapshots that are not regular files (a symlink, a FIFO, a device, a
    /// directory): never read, pruned, verified or pushed; <c>list</c> reports them.
    /// </summary>
    public IReadOnlyList<(SnapshotEntry Entry, FileKind Kind)> LeftAlone() => [.. Named().Where(e => e.Kind != FileKind.Regular)];

    private IEnumerable<(SnapshotEntry Entry, FileKind Kind)> Named()
    {
        foreach (var file in new DirectoryInfo(Path).EnumerateFileSystemInfos(SnapshotFileName.Prefix + "*" + SnapshotFileName.Extension))
        {
            if (SnapshotFileName.TryParse(file.Name, out var createdAt, out var member, out var revision))
            {
                var kind = RegularFile.KindOf(file.FullName);
                var size = kind == FileKind.Regular && file is FileInfo regular ? regular.Length : 0;
                yield return (new SnapshotEntry(file.FullName, createdAt, member, revision, size), kind);
            }
        }
    }

    /// <summary>The newest snapshot that is at least the right shape (size); cheap, for scheduling decisions.</summary>
    public SnapshotEntry? NewestPlausible() => List().FirstOrDefault(e => EtcdTrailer.HasSnapshotSize(e.SizeBytes));

    /// <summary>
    /// The newest that is the right shape and backs this cluster up, as the health verdict counts them (no trailer
    /// read): not named ahead of <paramref name="now"/>, not another cluster's by its manifest, not imported without
    /// one. For the scheduler, whose catch-up and follower's stand-in it would otherwise hold back while health
    /// already says the newest snapshot is too old.
    /// </summary>
    public SnapshotEntry? NewestBackingUp(DateTimeOffset now, IReadOnlyCollection<string> clusters) =>
        List().FirstOrDefault(e => EtcdTrailer.HasSnapshotSize(e.SizeBytes) && !NamedAhead.Of(e.CreatedAt, now)
            && Lineage.SnapshotEvidence.BacksUp(ManifestFile.TryRead(e.ManifestPath), clusters));

    /// <summary>Manifests of our naming whose snapshot is gone.</summary>
    public IEnumerable<(string Path, DateTimeOffset CreatedAt)> OrphanManifests()
    {
        foreach (var file in new DirectoryInfo(Path).EnumerateFiles(SnapshotFileName.Prefix + "*" + SnapshotFileName.ManifestExtension))
        {
            var snapshotName = System.IO.Path.ChangeExtension(file.Name, SnapshotFileName.Extension);
            if (SnapshotFileName.TryParse(snapshotName, out var createdAt, out _, out _)
                && !File.Exists(System.IO.Path.Combine(Path, snapshotName)))
            {
                yield return (file.FullName, createdAt);
            }
        }
    }

    /// <summary>Partial files of our naming (an interrupted snapshot or copy) that <see cref="PartialFiles.IsStale"/> calls abandoned.</summary>
    public IEnumerable<string> StalePartials(DateTimeOffset now) =>
        new DirectoryInfo(Path).EnumerateFiles(SnapshotFileName.Prefix + "*" + PartialFiles.Suffix)
            .Where(file => PartialFiles.IsStale(file.Name, file.LastWriteTimeUtc, now))
            .Select(file => file.FullName);
}
