using EtcdBackupd.Lineage;
using EtcdBackupd.Peers;
using EtcdBackupd.Snapshots;
using Renci.SshNet;

namespace EtcdBackupd.Fetch;

/// <summary>Which snapshot is the newest across the peers, from their listings and manifests, without reading a snapshot.</summary>
internal sealed partial class PeerFetcher
{
    /// <summary>
    /// Every verified-looking snapshot on every peer, newest first (by the manifest's <c>createdAt</c>, those
    /// named ahead of the clock last), peers in order for the same name; with a lineage recorded here, only
    /// those whose manifest names one of its clusters.
    /// </summary>
    private async Task<List<(PeerTarget Target, string Name, DateTimeOffset CreatedAt, string? ClusterId, IReadOnlyList<string> Lineage)>> NewestAsync(
        IReadOnlyList<PeerTarget> targets, IReadOnlyList<string> known, FetchAttempts<PeerTarget> said, CancellationToken cancellationToken)
    {
        var found = new List<(PeerTarget Target, string Name, DateTimeOffset CreatedAt, string? ClusterId, IReadOnlyList<string> Lineage)>();
        foreach (var target in targets)
        {
            try
            {
                var listed = await WithDeadlineAsync(target, (session, token) => Task.Run(() => Listing(session.Sftp, target, token), token), cancellationToken);
                var ours = known.Count == 0 ? listed : listed.Where(l => l.ClusterId is { } id && known.Contains(id)).ToList();
                found.AddRange(ours.Select(l => (target, l.Name, l.CreatedAt, l.ClusterId, l.Lineage)));
                if (ours.Count == 0)
                {
                    said.Add(target, listed.Count == 0 ? FetchFailure.NotFound : FetchFailure.OtherCluster, listed.Count == 0
                        ? $"no snapshot with its manifest in {target.Directory}"
                        : $"no snapshot of this cluster ({string.Join(", ", known)}, as recorded in {lineage.Path}) in {target.Directory}; {listed.Count} passed over (of another cluster, or naming none)");
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                said.Add(target, e);
            }
        }

        // A stable sort: for one name, the peers stay in Peers.Targets order. One named ahead of the clock last:
        // it may hold older data than every other.
        var now = _time.GetUtcNow();
        return [.. found.OrderBy(f => NamedAhead.Of(f.CreatedAt, now)).ThenByDescending(f => f.CreatedAt).ThenByDescending(f => f.Name, StringComparer.Ordinal)];
    }

    /// <summary>
    /// The snapshots of our naming in the peer's directory whose manifest beside them names them and
    /// gives their size, and whose size is a snapshot's: what a good copy looks like before it is read.
    /// </summary>
    private static List<(string Name, DateTimeOffset CreatedAt, string? ClusterId, IReadOnlyList<string> Lineage)> Listing(SftpClient sftp, PeerTarget target, CancellationToken cancellationToken)
    {
        var listed = new List<(string, DateTimeOffset, string?, IReadOnlyList<string>)>();
        var files = sftp.ListDirectory(target.Directory).Where(f => f.IsRegularFile).ToDictionary(f => f.Name, StringComparer.Ordinal);
        foreach (var file in files.Values)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!SnapshotFileName.TryParse(file.Name, out var named, out _, out _) || !EtcdTrailer.HasSnapshotSize(file.Length)
                || !files.TryGetValue(SnapshotFileName.ManifestOf(file.Name), out var manifestFile) || manifestFile.Length > PeerManifests.MaxBytes)
            {
                continue;
            }

            var manifest = PeerManifests.TryRead(sftp, manifestFile.FullName).Manifest;
            if (manifest is not null && manifest.FileName == file.Name && manifest.SizeBytes == file.Length)
            {
                listed.Add((file.Name, manifest.CreatedAt == default ? named : manifest.CreatedAt, ClusterIds.Normalize(manifest.ClusterId),
                    [.. (manifest.Lineage ?? []).Select(ClusterIds.Normalize).OfType<string>()]));
            }
        }

        return listed;
    }
}
