using System.Text.Json;
using System.Text.Json.Serialization;

namespace EtcdBackupd.Snapshots;

/// <summary>
/// Written beside every snapshot as <c>&lt;name&gt;.json</c>: enough to verify the file and to know, years
/// later, which cluster and member it came from and what state it captured. A file format operators
/// keep for years, so it lives with the other contracts.
/// </summary>
internal sealed record SnapshotManifest
{
    /// <summary>The manifest's format: 1 for every manifest so far; a manifest without the field (before 0.2.0) is read as 1.</summary>
    public const int CurrentSchemaVersion = 1;

    /// <summary>
    /// <see cref="CurrentSchemaVersion"/> when written; absent in older manifests, read as 1. Fields added
    /// from now on are optional, so every earlier manifest still reads.
    /// </summary>
    /// <remarks>
    /// The source-generated reader sets every init-only property, an absent one to 0: 0 is read as 1 here, so
    /// an older manifest is schema 1 however it was read.
    /// </remarks>
    [JsonPropertyOrder(-1)]
    public int SchemaVersion
    {
        get => _schemaVersion == 0 ? 1 : _schemaVersion;
        init => _schemaVersion = value;
    }

    private readonly int _schemaVersion = CurrentSchemaVersion;

    public required string FileName { get; init; }
    public required string Sha256 { get; init; }
    public required long SizeBytes { get; init; }
    public required string EtcdVersion { get; init; }
    public required string ClusterId { get; init; }
    public required string MemberId { get; init; }
    public required string MemberName { get; init; }
    public required string Endpoint { get; init; }
    /// <summary>The store revision observed just before the stream started.</summary>
    public required long Revision { get; init; }
    public required ulong RaftIndex { get; init; }
    public required long DbSizeBytes { get; init; }
    /// <summary>Keys in the member's store when the stream started (a serializable count).</summary>
    public required long KeyCount { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required string Host { get; init; }
    public required string EtcdBackupdVersion { get; init; }

    /// <summary>
    /// The cluster IDs the taking master knew this cluster to have had, oldest first (each restore gives
    /// it a new one); absent in manifests written before 0.2.0. A record for operators: a restore's check
    /// trusts the live cluster's lineage, never the snapshot's own.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Lineage { get; init; }

    /// <summary>Set by <c>etcd-backupctl pin</c> or <c>snapshot --pin</c>: retention never deletes this snapshot, here or on a peer.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SnapshotPin? Pin { get; init; }

    /// <summary>
    /// In an off-site copy's manifest only (<c>PREFIX/NAME.json</c> beside the object): how the object was
    /// stored. The manifest's own <see cref="Sha256"/> stays the raw snapshot's.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public OffsiteObject? Offsite { get; init; }

    /// <summary>Set by <c>etcd-backupctl import</c>: the file came from elsewhere (its origin path, when it came, whether a manifest came with it).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SnapshotImport? Imported { get; init; }

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, ManifestJsonContext.Default.SnapshotManifest);

    public static SnapshotManifest? FromJson(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize(json, ManifestJsonContext.Default.SnapshotManifest);
}

/// <summary>
/// An off-site object: its key, what was applied to the raw snapshot (compression, age recipients' public
/// keys), and the size and SHA-256 of the bytes stored, as read back after the upload.
/// </summary>
internal sealed record OffsiteObject(string Key, string Compression, IReadOnlyList<string> Recipients, long SizeBytes, string Sha256);

/// <summary>Why a snapshot is kept whatever its age: the operator's label, and when it was pinned.</summary>
internal sealed record SnapshotPin(string Label, DateTimeOffset PinnedAt);

/// <summary>
/// The manifest file's form: indented, for the operator who opens it with <c>less</c>. A manifest comes from
/// peers and buckets too, so a null where the type has none (<c>"fileName": null</c>), or a missing field of
/// the off-site object, is a JsonException like any malformed one, never a null the readers trip over later.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true,
    RespectNullableAnnotations = true, RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(SnapshotManifest))]
internal sealed partial class ManifestJsonContext : JsonSerializerContext;
