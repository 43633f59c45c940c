using System.Text.Json.Serialization;
using EtcdBackupd.Snapshots;

namespace EtcdBackupd.Protocol.Results;

/// <summary>
/// One snapshot attempt, as scripts read it: the result of <c>snapshot</c> (the control command and
/// <c>etcd-backupd snapshot --json</c>) and <c>lastAttempt</c>/<c>lastSuccess</c> in <c>status</c>.
/// </summary>
internal sealed record SnapshotReport
{
    public required bool Ok { get; init; }
    public required string? Path { get; init; }
    public required long? SizeBytes { get; init; }
    public required string? Sha256 { get; init; }
    public required long? Revision { get; init; }
    public required DateTimeOffset? CreatedAt { get; init; }
    public required DateTimeOffset FinishedAt { get; init; }
    public required double DurationSeconds { get; init; }
    /// <summary>Why it was taken: the schedule, a control request (with the caller), the one-shot command.</summary>
    public required string Reason { get; init; }
    /// <summary>The failure's kind (<c>EtcdUnavailable</c>, <c>DiskFull</c>, ...), null on success.</summary>
    public required string? Failure { get; init; }
    public required string? Error { get; init; }
    public required IReadOnlyList<PeerCopy> Peers { get; init; }

    /// <summary>Each off-site target's copy, when <c>Offsite.Targets</c> are configured; left out otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<OffsiteCopy>? Offsite { get; init; }

    /// <summary>True when etcd had not changed since this snapshot, so no new file was written; left out otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Unchanged { get; init; }

    /// <summary>With <c>snapshot --pin</c>: the pin written and the peers' copies of the manifest; left out otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PinResult? Pinned { get; init; }

    /// <summary>The whole manifest: in <c>etcd-backupd snapshot --json</c> only.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SnapshotManifest? Manifest { get; init; }

    /// <summary>True when every peer and every off-site target has its copy (or there are none).</summary>
    public bool AllCopied() => Peers.All(p => p.Ok) && (Pinned?.Peers.All(p => p.Ok) ?? true) && (Offsite?.All(o => o.Ok) ?? true);
}

/// <summary>One peer's copy of a snapshot.</summary>
internal sealed record PeerCopy(string Host, int Port, bool Ok, bool Skipped, string? Error)
{
    /// <summary>The directory the copy went to there (0.2.0): it tells apart targets on one host and port.</summary>
    public string? Directory { get; init; }

    /// <summary>Whether the status record named <paramref name="peer"/> (<c>host:port</c>, or <c>host:port/directory</c> when targets share both) is this copy's.</summary>
    public bool IsOf(string peer) => peer == $"{Host}:{Port}" || (Directory is { } directory && peer == $"{Host}:{Port}{directory}");
}

/// <summary>One off-site target's copy of a snapshot: the object's key in its bucket.</summary>
internal sealed record OffsiteCopy(string Target, string Key, bool Ok, bool Skipped, string? Error);
