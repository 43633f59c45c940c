using EtcdBackupd.FileSystem;
using EtcdBackupd.Peers;

namespace EtcdBackupd.Retention;

/// <summary>A pin refused before anything was written: <see cref="Code"/> is the control protocol's error code.</summary>
internal sealed class PinRefusedException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}

/// <summary>
/// Pinning and unpinning: the manifest beside the snapshot rewritten durably with its pin (or without it),
/// never while a prune runs here, then sent again to each peer that holds the snapshot. A peer that does not
/// take it is reported, never undoes the local change: the local manifest alone keeps remote retention's hands off.
/// </summary>
internal sealed class SnapshotPins(
    RetentionService retention, PeerPusher peers, TimeProvider time, ILogger<SnapshotPins> logger, Configuration.Live<Offsite.OffsiteOptions>? offsite = null)
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Pins <paramref name="snapshotPath"/> as <paramref name="label"/> (a valid <see cref="PinLabel"/>); a pin there already is replaced.</summary>
    public Task<PinResult> PinAsync(string snapshotPath, string label, CancellationToken cancellationToken) =>
        ChangeAsync(snapshotPath, new SnapshotPin(label, time.GetUtcNow()), cancellationToken);

    /// <summary>Removes the pin of <paramref name="snapshotPath"/>; a snapshot without one is left as it is, and its peers are not contacted.</summary>
    public Task<PinResult> UnpinAsync(string snapshotPath, CancellationToken cancellationToken) => ChangeAsync(snapshotPath, null, cancellationToken);

    private async Task<PinResult> ChangeAsync(string snapshotPath, SnapshotPin? pin, CancellationToken cancellationToken)
    {
        var before = retention.WhileNotPruning(() => Rewrite(snapshotPath, pin));
        if (offsite?.Current is { Targets.Count: > 0 } targets && ManifestFile.TryRead(SnapshotFileName.ManifestOf(snapshotPath)) is { } now)
        {
            // Whether or not this master's pin changed: an unpin also clears one the one-shot snapshot --pin uploaded.
            await Offsite.OffsitePins.SyncAsync(targets, now, logger, cancellationToken);
        }

        if (pin is null && before is null)
        {
            return new PinResult(snapshotPath, null, []);
        }

        if (pin is not null)
        {
            RetentionLog.Pinned(logger, snapshotPath, pin.Label);
        }
        else
        {
            RetentionLog.Unpinned(logger, snapshotPath, before!.Label);
        }

        var copies = await peers.SendManifestAsync(snapshotPath, cancellationToken);
        return new PinResult(snapshotPath, pin, [.. copies.Select(c => c.ToCopy())]);
    }

    /// <summary>
    /// The manifest with <paramref name="pin"/> in place of its pin, durably; the pin it had. The one-shot
    /// <c>etcd-backupd snapshot --pin</c> calls it before the copies, which then carry the pin.
    /// </summary>
    internal static SnapshotPin? Rewrite(string snapshotPath, SnapshotPin? pin)
    {
        if (!File.Exists(snapshotPath))
        {
            throw new PinRefusedException(ErrorCodes.NotFound, $"'{snapshotPath}' does not exist");
        }

        var manifestPath = SnapshotFileName.ManifestOf(snapshotPath);
        var manifest = ManifestFile.TryRead(manifestPath)
            ?? throw new PinRefusedException(ErrorCodes.Failed,
                $"'{manifestPath}' is missing or not a manifest; the pin lives in the manifest, so none was written (the snapshot itself is untouched)");
        if (manifest.SchemaVersion > SnapshotManifest.CurrentSchemaVersion)
        {
            throw new PinRefusedException(ErrorCodes.Failed,
                $"'{manifestPath}' is of schema version {manifest.SchemaVersion}, written by a newer etcd-backupd; rewriting it here would lose what this version does not know");
        }

        if (manifest.Pin != pin)
        {
            try
            {
                Durable.WriteAllBytes(manifestPath, (manifest with { Pin = pin, SchemaVersion = SnapshotManifest.CurrentSchemaVersion }).ToJson(), OwnerOnly);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A full disk or a name in the way leaves the manifest as it was (the write goes through NAME.part); a
                // directory that cannot be synced after the rename leaves the new one, not yet durable. Either way: again.
                throw new PinRefusedException(ErrorCodes.Failed,
                    $"'{manifestPath}' could not be rewritten ({e.Message}); the pin may not be {(pin is null ? "removed" : "written")}: ask again once the disk takes writes");
            }
        }

        return manifest.Pin;
    }
}
