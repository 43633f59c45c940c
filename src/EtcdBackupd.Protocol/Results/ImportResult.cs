using EtcdBackupd.Snapshots;

namespace EtcdBackupd.Protocol.Results;

/// <summary><c>import</c>'s answer: the snapshot now in the directory under our name, and what vouched for it.</summary>
internal sealed record ImportResult
{
    public required string Path { get; init; }
    public required string Origin { get; init; }
    public required long SizeBytes { get; init; }
    public required string Sha256 { get; init; }
    public required long Revision { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>True when the file came with its manifest (its member and revision are that manifest's).</summary>
    public required bool HadManifest { get; init; }

    /// <summary>What etcd's tool reported; null when a manifest vouched for the file.</summary>
    public SnapshotFacts? Etcd { get; init; }

    /// <summary>True when the same file (by SHA-256) was in the directory already: nothing was written.</summary>
    public required bool AlreadyHere { get; init; }

    public SnapshotPin? Pin { get; init; }

    /// <summary>
    /// True when retention's next run deletes it, here and on the peers: older than <c>Snapshots.RetentionDays</c> by the
    /// time in its name, not pinned, with enough newer good snapshots. An old snapshot brought in to keep wants <c>--pin</c>.
    /// </summary>
    public bool RetentionRemoves { get; init; }

    /// <summary>
    /// The copy to each of <c>Peers.Targets</c>, made right after the import; a peer that did not take it is owed
    /// it, and the daemon sends it once that peer answers again.
    /// </summary>
    public IReadOnlyList<PeerCopy> Peers { get; init; } = [];
}
