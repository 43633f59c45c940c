using EtcdBackupd.Lineage;

namespace EtcdBackupd.Health;

/// <summary>The newest verified snapshots in the directory: of any member (copies received count), and of this master's own.</summary>
internal sealed record Held(HeldSnapshot? Newest, HeldSnapshot? NewestOwn);

/// <summary>
/// Reads the snapshot directory the way a restart must: ages by the time in each name (a copy's mtime is
/// when it arrived), newest first, stopping at the first that passes etcd's trailer check, so at most a
/// few files are read and each only once (<see cref="SnapshotVerifier"/> remembers across restarts).
/// </summary>
internal static class HeldSnapshots
{
    /// <summary>
    /// <paramref name="ownMemberId"/> is this master's member ID (hex, as in manifests) once etcd has told us;
    /// until then <paramref name="host"/>, this machine's name, decides which snapshots are our own (a snapshot
    /// without a manifest is nobody's own). A snapshot
    /// named more than <see cref="Retention.RetentionPolicy.FutureSlack"/> after <paramref name="now"/> is passed
    /// over: taken while a clock ran ahead, it would read as recent until the clock caught up with it, however
    /// long every later snapshot failed. So is one whose manifest names a cluster outside
    /// <paramref name="clusters"/>, this cluster's lineage (when it is known): another cluster's snapshot,
    /// pushed here by a misconfigured peer or imported, backs nothing of this one up.
    /// </summary>
    public static Held Scan(SnapshotDirectory directory, SnapshotVerifier verifier, string? ownMemberId, string host, DateTimeOffset now,
        IReadOnlyCollection<string> clusters, CancellationToken cancellationToken)
    {
        HeldSnapshot? newest = null, own = null;
        foreach (var entry in directory.List().Where(e => !Retention.RetentionPolicy.NamedAhead(e, now)))
        {
            var manifest = ManifestFile.TryRead(entry.ManifestPath);
            if (!SnapshotEvidence.BacksUp(manifest, clusters))
            {
                continue;
            }

            var isOwn = manifest is not null && (ownMemberId is not null ? manifest.MemberId == ownMemberId : manifest.Host == host);
            if ((newest is not null && (own is not null || !isOwn)) || !verifier.IsGood(entry, cancellationToken))
            {
                continue;
            }

            var held = new HeldSnapshot(entry.Path, entry.CreatedAt, entry.MemberName, entry.Revision, entry.SizeBytes);
            newest ??= held;
            own ??= isOwn ? held : null;
            if (own is not null)
            {
                break;
            }
        }

        return new Held(newest, own);
    }
}
