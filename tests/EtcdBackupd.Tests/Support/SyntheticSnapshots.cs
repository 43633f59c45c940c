using System.Security.Cryptography;
using EtcdBackupd.Snapshots;

namespace EtcdBackupd.Tests.Support;

/// <summary>
/// Snapshot-shaped files for retention and schedule tests: a db of whole pages followed by its SHA-256,
/// exactly what etcd's trailer check looks at. The tests against etcd itself use etcd's real snapshots.
/// </summary>
internal static class SyntheticSnapshots
{
    /// <summary>Writes one; <c>withManifest</c> gives it a real manifest (size and SHA-256) instead of an empty placeholder.</summary>
    public static string Write(string directory, DateTimeOffset createdAt, string member = "m1", long revision = 100, bool corrupt = false,
        bool withManifest = false, int dbBytes = 4096 * 2)
    {
        var file = Content(dbBytes);
        if (corrupt)
        {
            file[100] ^= 0xFF;
        }

        var path = Path.Combine(directory, SnapshotFileName.Build(createdAt, member, revision));
        File.WriteAllBytes(path, file);
        File.WriteAllBytes(SnapshotFileName.ManifestOf(path), withManifest
            ? Manifest(path, file, createdAt, member, revision).ToJson()
            : "{}"u8.ToArray());
        return path;
    }

    /// <summary>A snapshot as the engine hands it over: the file and its manifest.</summary>
    public static SnapshotResult Result(string directory, int dbBytes, long revision = 42)
    {
        var path = Write(directory, DateTimeOffset.UtcNow, revision: revision, withManifest: true, dbBytes: dbBytes);
        return new SnapshotResult(path, SnapshotManifest.FromJson(File.ReadAllBytes(SnapshotFileName.ManifestOf(path)))!);
    }

    /// <summary>The same as <see cref="Result"/> with nothing written: for code that only reads the manifest.</summary>
    public static SnapshotResult InMemoryResult(DateTimeOffset createdAt, int dbBytes)
    {
        var path = Path.Combine("/var/lib/etcd-backupd", SnapshotFileName.Build(createdAt, "m1", 42));
        return new SnapshotResult(path, Manifest(path, Content(dbBytes), createdAt, "m1", 42));
    }

    /// <summary>A db of whole pages that begins with bbolt's meta page header, followed by its SHA-256.</summary>
    private static byte[] Content(int dbBytes)
    {
        var db = RandomNumberGenerator.GetBytes(dbBytes);
        BoltHeader.CopyTo(db, 0);
        return [.. db, .. SHA256.HashData(db)];
    }

    /// <summary>The first bytes of bbolt's first meta page: page id 0, flags 0x04 (meta), magic 0xED0CDAED, version 2.</summary>
    public static byte[] BoltHeader => [0, 0, 0, 0, 0, 0, 0, 0, 0x04, 0, 0, 0, 0, 0, 0, 0, 0xED, 0xDA, 0x0C, 0xED, 2, 0, 0, 0];

    private static SnapshotManifest Manifest(string path, byte[] file, DateTimeOffset createdAt, string member, long revision) => new()
    {
        FileName = Path.GetFileName(path), Sha256 = Convert.ToHexStringLower(SHA256.HashData(file)), SizeBytes = file.Length,
        EtcdVersion = "3.4.23", ClusterId = "1", MemberId = "1", MemberName = member, Endpoint = "http://127.0.0.1:2379/",
        Revision = revision, RaftIndex = (ulong)revision, DbSizeBytes = file.Length - 32, KeyCount = 1, CreatedAt = createdAt,
        Host = "test", EtcdBackupdVersion = "test",
    };
}
