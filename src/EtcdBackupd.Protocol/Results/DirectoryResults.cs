using System.Text.Json.Serialization;
using EtcdBackupd.Snapshots;

namespace EtcdBackupd.Protocol.Results;

/// <summary>What the daemon knows of a snapshot's integrity.</summary>
[JsonConverter(typeof(StrictEnum<Verification>))]
internal enum Verification
{
    [JsonStringEnumMemberName("ok")] Ok,
    [JsonStringEnumMemberName("corrupt")] Corrupt,
    /// <summary>Not read since it last changed.</summary>
    [JsonStringEnumMemberName("unchecked")] Unchecked,
    /// <summary>Named like a snapshot but not a regular file: never read; <see cref="ListEntry.Note"/> says what it is.</summary>
    [JsonStringEnumMemberName("skipped")] Skipped,
}

/// <summary>One entry of <c>list</c>, newest first.</summary>
internal sealed record ListEntry(
    string Path, long SizeBytes, string? Sha256, long Revision, DateTimeOffset CreatedAt, string Member, Verification Verification)
{
    /// <summary>Why an entry is <see cref="Verification.Skipped"/>: "not a regular file (a FIFO), left alone".</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Note { get; init; }

    /// <summary>The snapshot's pin, as its manifest holds it; left out when it is not pinned.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SnapshotPin? Pin { get; init; }
}

/// <summary>
/// The answer to <c>pin</c> and <c>unpin</c> (and the <c>pin</c> of <c>snapshot --pin</c>): the snapshot's pin
/// now (null once unpinned), and each peer's copy of the rewritten manifest. A peer's failure never undoes the
/// local pin; <see cref="PeerCopy.Skipped"/> there means the peer holds no copy of the snapshot, so nothing was sent.
/// </summary>
internal sealed record PinResult(string Path, SnapshotPin? Pin, IReadOnlyList<PeerCopy> Peers);

/// <summary>The result of a <c>verify</c> that passed; <c>manifest</c> is <c>ok</c> or <c>missing</c>.</summary>
internal sealed record VerifyResult(string Path, long SizeBytes, string Sha256, string Trailer, string Manifest)
{
    /// <summary>What etcd's own tool reports of a file without a manifest: the facts that stand in for it.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SnapshotFacts? Etcd { get; init; }
}

/// <summary>What <c>prune</c> deleted, or would delete with <see cref="DryRun"/>.</summary>
internal sealed record PruneResult(bool DryRun, IReadOnlyList<PrunedSnapshot> Deleted);

internal sealed record PrunedSnapshot(string Path, string Reason);

/// <summary>Whether a host key matched its pin.</summary>
[JsonConverter(typeof(StrictEnum<HostKeyState>))]
internal enum HostKeyState
{
    [JsonStringEnumMemberName("ok")] Ok,
    [JsonStringEnumMemberName("refused")] Refused,
}

/// <summary>One peer in <c>peers</c>: reachable, host key as pinned, its directory there.</summary>
internal sealed record PeerCheck
{
    public required string Host { get; init; }
    public required int Port { get; init; }
    public required string User { get; init; }
    public required string Directory { get; init; }
    public required bool Reachable { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public HostKeyState? HostKey { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? DirectoryExists { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Error { get; init; }

    /// <summary>Reachable with the pinned key.</summary>
    [JsonIgnore]
    public bool Good => Reachable && HostKey == HostKeyState.Ok;
}
