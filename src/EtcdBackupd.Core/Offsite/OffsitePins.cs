using EtcdBackupd.Lineage;
using EtcdBackupd.Snapshots;
using Microsoft.Extensions.Logging;

namespace EtcdBackupd.Offsite;

/// <summary>
/// Gives an off-site copy's manifest the pin this master's manifest has, after a pin or an unpin. Off-site
/// retention, on whichever master runs it, reads the pin there (or in its own manifest of the name): a pin
/// made after the upload did not reach the bucket, so a master without the pinned manifest could delete
/// the copy, and an unpin left a pin the one-shot <c>snapshot --pin</c> had uploaded, keeping it for ever.
/// Only a copy of this very snapshot is touched (its manifest names the same SHA-256 and cluster ID). A
/// target that fails is logged; the local pin stands either way.
/// </summary>
internal static class OffsitePins
{
    public static async Task SyncAsync(OffsiteOptions options, SnapshotManifest local, ILogger logger, CancellationToken cancellationToken)
    {
        foreach (var target in options.Targets)
        {
            var key = ManifestObject.KeyOf(target, local.FileName);
            try
            {
                using var client = BucketClient.Create(target, options.Timeout);
                var there = await ManifestObject.TryReadAsync(client, target.Bucket, key, cancellationToken);
                if (there is null || there.Sha256 != local.Sha256 || ClusterIds.Normalize(there.ClusterId) != ClusterIds.Normalize(local.ClusterId)
                    || there.Pin == local.Pin)
                {
                    continue;
                }

                if (there.SchemaVersion > SnapshotManifest.CurrentSchemaVersion)
                {
                    OffsiteLog.PinFailed(logger, target.Name, key, $"its manifest is of schema version {there.SchemaVersion}, written by a newer etcd-backupd; not rewritten");
                    continue;
                }

                await ManifestObject.PutAsync(client, target.Bucket, key, there with { Pin = local.Pin }, cancellationToken);
                OffsiteLog.PinWritten(logger, target.Name, key, local.Pin?.Label ?? "none");
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                OffsiteLog.PinFailed(logger, target.Name, key, OffsiteErrors.Describe(e, target));
            }
        }
    }
}
