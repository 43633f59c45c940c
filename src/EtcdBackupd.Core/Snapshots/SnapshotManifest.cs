using System.Text.Json;
using System.Text.Json.Serialization;

namespace EtcdBackupd.Snapshots;

/// <summary>
/// Written beside every snapshot as <c>&lt;name&gt;.json</c>: enough to verify the file and to know, years
/// later, which cluster and member it came from and what state it captured.
/// </summary>
internal sealed record SnapshotManifest
{
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

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, SnapshotJsonContext.Default.SnapshotManifest);

    public static SnapshotManifest? FromJson(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize(json, SnapshotJsonContext.Default.SnapshotManifest);

    /// <summary>The manifest file at <paramref name="path"/>; null when it is missing, unreadable or not a manifest.</summary>
    public static SnapshotManifest? TryRead(string path)
    {
        try
        {
            return File.Exists(path) ? FromJson(File.ReadAllBytes(path)) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }
}

/// <summary>What <c>etcd-backupd snapshot --json</c> prints: the manifest and where the file is.</summary>
internal sealed record SnapshotResult(string Path, SnapshotManifest Manifest)
{
    public string ToJson(IReadOnlyList<Peers.PeerPushResult> peers) => JsonSerializer.Serialize(new SnapshotResultJson
    {
        Path = Path,
        SizeBytes = Manifest.SizeBytes,
        Sha256 = Manifest.Sha256,
        Revision = Manifest.Revision,
        CreatedAt = Manifest.CreatedAt,
        Manifest = Manifest,
        Peers = peers.Select(p => new PeerJson { Host = p.Host, Port = p.Port, Ok = p.Ok, Skipped = p.Skipped, Error = p.Error }).ToList(),
    }, SnapshotJsonContext.Default.SnapshotResultJson);
}

/// <summary>One peer's copy, as scripts read it.</summary>
internal sealed record PeerJson
{
    public required string Host { get; init; }
    public required int Port { get; init; }
    public required bool Ok { get; init; }
    public required bool Skipped { get; init; }
    public string? Error { get; init; }
}

internal sealed record SnapshotResultJson
{
    public required string Path { get; init; }
    public required long SizeBytes { get; init; }
    public required string Sha256 { get; init; }
    public required long Revision { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required SnapshotManifest Manifest { get; init; }
    public required IReadOnlyList<PeerJson> Peers { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(SnapshotManifest))]
[JsonSerializable(typeof(SnapshotResultJson))]
internal sealed partial class SnapshotJsonContext : JsonSerializerContext;
