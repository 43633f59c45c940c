using System.Security.Cryptography;
using EtcdBackupd.Snapshots;

namespace EtcdBackupd.Tests.Support;

/// <summary>
/// Snapshot-shaped files for retention and schedule tests: a db of whole pages followed by its SHA-256,
/// exactly what etcd's trailer check looks at. The tests against etcd itself use etcd's real snapshots.
/// </summary>
internal static class SyntheticSnapshots
{
    public static string Write(string directory, DateTimeOffset createdAt, string member = "m1", long revision = 100, bool corrupt = false)
    {
        var db = RandomNumberGenerator.GetBytes(4096 * 2);
        byte[] file = [.. db, .. SHA256.HashData(db)];
        if (corrupt)
        {
            file[100] ^= 0xFF;
        }

        var path = Path.Combine(directory, SnapshotFileName.Build(createdAt, member, revision));
        File.WriteAllBytes(path, file);
        File.WriteAllText(SnapshotFileName.ManifestOf(path), "{}");
        return path;
    }
}
