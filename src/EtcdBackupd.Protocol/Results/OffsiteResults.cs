using System.Text.Json.Serialization;
using EtcdBackupd.Snapshots;

namespace EtcdBackupd.Protocol.Results;

/// <summary>What re-reading one off-site object found.</summary>
[JsonConverter(typeof(StrictEnum<OffsiteVerdict>))]
internal enum OffsiteVerdict
{
    /// <summary>The stored bytes have the size and SHA-256 the manifest beside them records.</summary>
    [JsonStringEnumMemberName("ok")] Ok,

    /// <summary>The object is there, but its size or SHA-256 differs from its manifest's.</summary>
    [JsonStringEnumMemberName("mismatch")] Mismatch,

    /// <summary>No object, or no off-site manifest beside where it should be.</summary>
    [JsonStringEnumMemberName("missing")] Missing,

    /// <summary>The target could not be read (unreachable, no such bucket, keys refused): nothing is known of the object.</summary>
    [JsonStringEnumMemberName("unreadable")] Unreadable,
}

/// <summary>One target's answer to <c>verify --offsite</c>.</summary>
internal sealed record OffsiteCheck(string Target, string? Key, OffsiteVerdict Verdict, string? Problem)
{
    /// <summary>The stored object's size and SHA-256 as read back; left out when it could not be read.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? SizeBytes { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Sha256 { get; init; }
}

/// <summary><c>verify --offsite</c>'s answer: the snapshot's name and each target's verdict. The CLI exits 1 unless every one is ok.</summary>
internal sealed record OffsiteVerifyResult(string File, IReadOnlyList<OffsiteCheck> Targets)
{
    [JsonIgnore]
    public bool AllOk => Targets.All(t => t.Verdict == OffsiteVerdict.Ok);
}

/// <summary>What an object under a target's prefix is, from its listing and the manifest beside it (no object is read).</summary>
[JsonConverter(typeof(StrictEnum<OffsiteEntryState>))]
internal enum OffsiteEntryState
{
    /// <summary>This cluster's snapshot: its manifest names the object, whose listed size is the one recorded.</summary>
    [JsonStringEnumMemberName("ok")] Ok,

    /// <summary>The manifest's cluster ID is not one this cluster has had: never fetched, never pruned.</summary>
    [JsonStringEnumMemberName("other-cluster")] OtherCluster,

    /// <summary>The manifest is there but the object it names is not.</summary>
    [JsonStringEnumMemberName("object-missing")] ObjectMissing,

    /// <summary>The listed size is not the one the manifest records: a partial or replaced object.</summary>
    [JsonStringEnumMemberName("size-differs")] SizeDiffers,

    /// <summary>An object with no off-site manifest naming it: not written by etcd-backupd, or its manifest is gone.</summary>
    [JsonStringEnumMemberName("no-manifest")] NoManifest,

    /// <summary>A <c>.json</c> under the prefix that is not an off-site manifest (does not parse, too large, no <c>offsite</c> field).</summary>
    [JsonStringEnumMemberName("unreadable-manifest")] UnreadableManifest,
}

/// <summary>One object (or manifest without its object) under a target's prefix, newest first; foreign ones last.</summary>
internal sealed record OffsiteListEntry(string Key, OffsiteEntryState State)
{
    /// <summary>The snapshot's file name, from its manifest; null for an object no manifest names.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? File { get; init; }

    /// <summary>The stored object's size as listed (compressed and encrypted as it is).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? StoredBytes { get; init; }

    /// <summary>The snapshot's own size and SHA-256, from the manifest.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? SizeBytes { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Sha256 { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Revision { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? CreatedAt { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Member { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ClusterId { get; init; }

    /// <summary><c>zstd</c> or <c>none</c>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Compression { get; init; }

    /// <summary>The age recipients it was encrypted to; empty when it is not encrypted.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Recipients { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SnapshotPin? Pin { get; init; }
}

/// <summary>One target's objects for <c>list --offsite</c>, or why they could not be listed.</summary>
internal sealed record OffsiteListing(string Target, string Bucket, string Prefix, IReadOnlyList<OffsiteListEntry> Entries)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Error { get; init; }

    /// <summary>
    /// False when this daemon knows none of its cluster's IDs (no lineage in <c>State.Directory</c>): then every
    /// manifest under the prefix counts as this cluster's, and the prefix alone keeps clusters apart.
    /// </summary>
    public required bool ClusterChecked { get; init; }
}

/// <summary><c>list --offsite</c>'s answer. The CLI exits 1 when a target could not be listed.</summary>
internal sealed record OffsiteListResult(IReadOnlyList<OffsiteListing> Targets);
