using EtcdBackupd.Configuration;
using EtcdBackupd.Lineage;
using EtcdBackupd.Peers;
using Renci.SshNet;

namespace EtcdBackupd.Retention;

/// <summary>
/// The retention rule applied over SFTP to the copies on targets marked <c>Prune: true</c>: peers that
/// run no daemon of their own. A copy counts as verified when its size is a snapshot's and its
/// manifest's SHA-256 is the one this node recorded for the snapshot of that name (reading a remote
/// gigabyte back to check the trailer is what this avoids). A copy is pinned, so kept, when its own
/// manifest or this node's manifest of the same name holds a pin: either one keeps it, so a pin whose
/// manifest did not reach the peer still protects the copy. Abandoned <c>.part</c> files go by the local rule.
/// Only this cluster's copies are weighed (<see cref="IsOurs"/>): a backup host that other clusters push
/// to as well keeps theirs, which are neither deleted nor counted.
/// </summary>
internal sealed class RemoteRetention(
    Live<PeersOptions> livePeers, Live<RetentionOptions> retention, SnapshotDirectory local, TimeProvider time, ILogger<RemoteRetention> logger,
    Restore.RestoreActivity? activity = null, ClusterLineage? lineage = null)
{
    private PeersOptions peers => livePeers.Current;

    private RetentionOptions options => retention.Current;

    /// <summary>For tests: runs between the decision and the deletions, where a pin can race a prune.</summary>
    internal Action? AfterDecision { get; init; }

    public async Task PruneAsync(CancellationToken cancellationToken)
    {
        if (activity?.UnderWay is { } restore)
        {
            RetentionLog.Paused(logger, restore);
            return;
        }

        foreach (var target in peers.Targets.Where(t => t.Prune))
        {
            try
            {
                await using var session = await PeerSession.ConnectAsync(target, peers, logger, cancellationToken);
                await RemotePartials.RemoveStaleAsync(session.Sftp, target, time.GetUtcNow(), logger, cancellationToken);
                Prune(session.Sftp, target, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                RetentionLog.RemoteFailed(logger, target.Host, target.Port, PeerErrors.Describe(e, target.Directory));
            }
        }
    }

    private void Prune(SftpClient sftp, PeerTarget target, CancellationToken cancellationToken)
    {
        var files = sftp.ListDirectory(target.Directory).Where(f => f.IsRegularFile).ToList();
        var own = time.GetUtcNow();
        var now = RetentionPolicy.JudgedNow(own, files.Count == 0 ? null : new DateTimeOffset(files.Max(f => f.LastWriteTimeUtc), TimeSpan.Zero),
            (at, newest) => RetentionLog.ClockAhead(logger, target.Host, target.Port, target.Directory, at, newest, own));
        var copies = files
            .Select(f => SnapshotFileName.TryParse(f.Name, out var created, out var member, out var revision)
                ? new SnapshotEntry(f.FullName, created, member, revision, f.Length)
                : null)
            .OfType<SnapshotEntry>()
            .OrderByDescending(e => e.CreatedAt).ThenByDescending(e => e.Revision)
            .ToList();
        // The verdict and the pin both need a copy's two manifests: each is read once per prune, not once per question.
        var read = new Dictionary<string, CopyManifests>();
        CopyManifests Of(SnapshotEntry copy) => read.TryGetValue(copy.Path, out var known) ? known : read[copy.Path] = Read(sftp, copy);
        var clusters = (lineage?.Known() ?? []).ToHashSet(StringComparer.Ordinal);
        var ours = copies.Where(copy => IsOurs(Of(copy), clusters)).ToList();
        var deletions = RetentionPolicy.Decide(ours, now, options, copy => IsGood(copy, Of(copy)), copy => IsPinned(Of(copy)));
        AfterDecision?.Invoke();
        foreach (var deletion in deletions)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Read again: a pin made since the manifests were read (here, or sent to the peer by another master) must
            // still save the copy. What remains is the moment between this read and the delete.
            if (IsPinned(Read(sftp, deletion.Snapshot)))
            {
                continue;
            }

            sftp.DeleteFile(deletion.Snapshot.Path);
            if (sftp.Exists(deletion.Snapshot.ManifestPath))
            {
                sftp.DeleteFile(deletion.Snapshot.ManifestPath);
            }

            RetentionLog.RemoteDeleted(logger, target.Host, target.Port, deletion.Snapshot.Path, deletion.Reason);
        }
    }

    /// <summary>This node's manifest of the copy's name and the peer's; each null when missing or unreadable.</summary>
    private sealed record CopyManifests(SnapshotManifest? Ours, SnapshotManifest? Theirs);

    private CopyManifests Read(SftpClient sftp, SnapshotEntry copy)
    {
        var ours = ManifestFile.TryRead(Path.Combine(local.Path, SnapshotFileName.ManifestOf(copy.FileName)));
        return new CopyManifests(ours, PeerManifests.TryRead(sftp, copy.ManifestPath).Manifest);
    }

    /// <summary>
    /// A copy is this cluster's when the peer's manifest names a cluster in this master's lineage, or the same
    /// cluster as this master's manifest of that name; with no cluster in the peer's manifest (or none at all),
    /// when this master holds a manifest of that name. Anything else may be another cluster's.
    /// </summary>
    private static bool IsOurs(CopyManifests manifests, HashSet<string> clusters) =>
        ClusterIds.Normalize(manifests.Theirs?.ClusterId) is { } id
            ? clusters.Contains(id) || ClusterIds.Normalize(manifests.Ours?.ClusterId) == id
            : manifests.Ours is not null;

    private static bool IsPinned(CopyManifests manifests) => manifests.Ours?.Pin is not null || manifests.Theirs?.Pin is not null;

    private static bool IsGood(SnapshotEntry copy, CopyManifests manifests) =>
        EtcdTrailer.HasSnapshotSize(copy.SizeBytes) && manifests is { Ours: { } mine, Theirs: { } theirs }
        && mine.Sha256 == theirs.Sha256 && theirs.SizeBytes == copy.SizeBytes;
}
