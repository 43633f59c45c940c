using EtcdBackupd.Import;
using Microsoft.Win32.SafeHandles;

namespace EtcdBackupd.Restore;

/// <summary>
/// A restore of a file from outside the directory (sent over the socket, or opened by the one-shot): checked,
/// and for a real restore imported first, so every member of a cluster restore gets it under the same name,
/// with a manifest; a dry run only says where it would go. The daemon's <c>restore</c> and the one-shot
/// <c>etcd-backupd restore</c> both come here.
/// </summary>
internal static class SentRestore
{
    /// <summary>The path to restore from and what is known of the file sent; throws <see cref="ImportException"/>.</summary>
    public static async Task<(string Path, SentFile File)> PrepareAsync(SnapshotImporter importer, SafeFileHandle file,
        string origin, SnapshotManifest? manifest, bool dryRun, Action<string?, string> progress, CancellationToken cancellationToken)
    {
        if (dryRun)
        {
            var (read, facts) = await importer.CheckAsync(file, origin, manifest, cancellationToken);
            var planned = importer.PlannedPath(read, manifest, facts);
            progress(null, $"'{origin}' checked (etcd's trailer{(manifest is null ? "" : ", its manifest")}); a restore imports it first as {planned}");
            if (facts is not null)
            {
                progress(null, Stands(facts));
            }

            return (planned, new SentFile(read.Sha256, facts, manifest));
        }

        var imported = await importer.ImportAsync(file, origin, manifest, null, cancellationToken);
        progress(null, imported.AlreadyHere ? $"'{origin}' is {imported.Path} already" : $"imported '{origin}' as {imported.Path}");
        if (imported.Etcd is { } said)
        {
            progress(null, Stands(said));
        }

        return (imported.Path, new SentFile(imported.Sha256, imported.Etcd, manifest));
    }

    private static string Stands(SnapshotFacts facts) =>
        $"no manifest: {facts.Tool} snapshot status stands in for it (hash {facts.Hash}, revision {facts.Revision}, {facts.TotalKeys} keys, {facts.TotalSizeBytes} bytes"
        + (facts.Version is null ? ")" : $", etcd {facts.Version})");
}

/// <summary>
/// A file sent for a restore: its SHA-256, what etcd's tool said of it when it came without a manifest, and the manifest
/// sent with it. A dry run has not imported it, so these stand for the manifest its planned path does not have yet.
/// </summary>
internal sealed record SentFile(string Sha256, SnapshotFacts? Facts, SnapshotManifest? Manifest);
