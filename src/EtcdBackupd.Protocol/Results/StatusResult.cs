using System.Text.Json.Serialization;

namespace EtcdBackupd.Protocol.Results;

/// <summary>The answer to "is my cluster backed up?": <c>status</c>.</summary>
internal sealed record StatusResult
{
    public required string Version { get; init; }
    public required EtcdHealth Etcd { get; init; }
    public required string SnapshotDirectory { get; init; }
    public required bool Running { get; init; }
    public required SnapshotReport? LastAttempt { get; init; }
    public required SnapshotReport? LastSuccess { get; init; }
    public required DateTimeOffset? NextScheduled { get; init; }
    public required IReadOnlyList<string> Schedules { get; init; }
    public required string TimeZone { get; init; }
    /// <summary><c>leader</c> or <c>every</c>.</summary>
    public required string TakenBy { get; init; }
    public required RetentionRule Retention { get; init; }
    /// <summary>The last attempt's copies.</summary>
    public required IReadOnlyList<PeerCopy> Peers { get; init; }

    /// <summary>The one health verdict: what <c>status</c>'s exit code, <c>STATUS=</c> and <c>etcd_backupd_healthy</c> say.</summary>
    public required HealthReport Health { get; init; }

    /// <summary>The newest verified snapshot held here, of any member (copies received count).</summary>
    public required HeldSnapshot? NewestSnapshot { get; init; }

    /// <summary>The newest verified snapshot of this master's own member, read from disk (so known after a restart).</summary>
    public required HeldSnapshot? NewestOwnSnapshot { get; init; }

    /// <summary>Each configured peer's copies, kept across restarts and the one-shot <c>push</c>.</summary>
    public required IReadOnlyList<PeerRecord> PeerRecords { get; init; }

    /// <summary>Each of <c>Offsite.Targets</c> and this master's uploads to it, kept across restarts; left out without targets.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<OffsiteRecord>? OffsiteRecords { get; init; }

    /// <summary>When <c>Etcd.CertFile</c> expires; null without one.</summary>
    public required DateTimeOffset? ClientCertificateExpiresAt { get; init; }

    /// <summary>The pinned snapshots held here, newest first, which retention keeps whatever their age; left out when there are none.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<PinnedSnapshot>? Pinned { get; init; }

    /// <summary>The restore session open on this member (its phase, age and coordinator), when there is one.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Restore.SessionState? RestoreSession { get; init; }
}

/// <summary>A pinned snapshot in <c>status</c>.</summary>
internal sealed record PinnedSnapshot(string Path, string Label, DateTimeOffset PinnedAt);

internal sealed record RetentionRule(int Days, int MinimumKept);

/// <summary>This master's etcd as the daemon sees it: the member's facts, or why it did not answer.</summary>
internal sealed record EtcdHealth
{
    public required bool Healthy { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Endpoint { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Version { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Member { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Leader { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? IsLeader { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Revision { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? DbSizeBytes { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Error { get; init; }
}
