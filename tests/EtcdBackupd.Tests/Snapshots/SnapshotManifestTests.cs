using System.Text;
using System.Text.Json.Nodes;
using EtcdBackupd.Snapshots;

namespace EtcdBackupd.Tests.Snapshots;

/// <summary>The manifest as a file format operators keep for years: older manifests still read, new fields are optional.</summary>
[Category("Fast")]
internal sealed class SnapshotManifestTests
{
    /// <summary>A manifest exactly as 0.1.0 wrote it: no schema version, no lineage, no pin.</summary>
    private const string ManifestOf010 = """
        {
          "fileName": "etcd-snapshot-20250301T050000Z-m1-r1234.db",
          "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
          "sizeBytes": 20480,
          "etcdVersion": "3.4.23",
          "clusterId": "cdf818194e3a8c32",
          "memberId": "8e9e05c52164694d",
          "memberName": "m1",
          "endpoint": "https://10.0.0.1:2379/",
          "revision": 1234,
          "raftIndex": 5678,
          "dbSizeBytes": 20480,
          "keyCount": 20,
          "createdAt": "2025-03-01T05:00:00+00:00",
          "host": "master-1",
          "etcdBackupdVersion": "0.1.0"
        }
        """;

    [Test]
    public void FromJson_AManifestWrittenBefore020_ReadsAsSchemaVersionOneAndUnpinned()
    {
        var manifest = SnapshotManifest.FromJson(Encoding.UTF8.GetBytes(ManifestOf010))!;

        Assert.That((manifest.SchemaVersion, manifest.Pin, manifest.Lineage, manifest.Revision), Is.EqualTo((1, (SnapshotPin?)null, (IReadOnlyList<string>?)null, 1234L)));
    }

    [Test]
    public void ToJson_APinnedManifest_WritesTheSchemaVersionAndThePinAndReadsBackEqual()
    {
        var pinnedAt = new DateTimeOffset(2026, 11, 24, 5, 0, 0, TimeSpan.Zero);
        var manifest = SnapshotManifest.FromJson(Encoding.UTF8.GetBytes(ManifestOf010))! with { Pin = new SnapshotPin("before-etcd-3.5.17", pinnedAt) };

        var json = JsonNode.Parse(manifest.ToJson())!;

        Assert.That(json["schemaVersion"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(json["pin"]!["label"]!.GetValue<string>(), Is.EqualTo("before-etcd-3.5.17"));
        Assert.That(SnapshotManifest.FromJson(manifest.ToJson())!.Pin, Is.EqualTo(manifest.Pin));
    }

    [Test]
    public void ToJson_AnUnpinnedManifest_LeavesThePinOut() =>
        Assert.That(JsonNode.Parse(SnapshotManifest.FromJson(Encoding.UTF8.GetBytes(ManifestOf010))!.ToJson())!.AsObject().ContainsKey("pin"), Is.False);
}
