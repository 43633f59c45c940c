namespace EtcdBackupd.Snapshots;

/// <summary>
/// What etcd's own tool says of a snapshot file (<c>etcdutl snapshot status -w json</c>, or <c>etcdctl</c> on
/// 3.4): for a file without a manifest, these stand in for it. <see cref="Version"/> is the etcd storage
/// version the file records (etcdutl 3.5 on; null from etcdctl 3.4).
/// </summary>
internal sealed record SnapshotFacts(string Tool, uint Hash, long Revision, long TotalKeys, long TotalSizeBytes, string? Version);

/// <summary>The manifest of an imported snapshot says where it came from and when it came.</summary>
internal sealed record SnapshotImport(string Origin, DateTimeOffset ImportedAt, bool HadManifest);
