namespace EtcdBackupd.Snapshots;

/// <summary>A saved and verified snapshot: where the file is, and its manifest.</summary>
internal sealed record SnapshotResult(string Path, SnapshotManifest Manifest);
