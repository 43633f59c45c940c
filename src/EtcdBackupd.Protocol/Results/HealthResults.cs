using System.Text.Json.Serialization;

namespace EtcdBackupd.Protocol.Results;

/// <summary>Why a master is not protected; each is a label of <c>etcd_backupd_unhealthy{reason}</c> too, so the names are a contract.</summary>
[JsonConverter(typeof(StrictEnum<HealthReason>))]
internal enum HealthReason
{
    /// <summary>This master's etcd did not answer: no snapshot can be taken.</summary>
    [JsonStringEnumMemberName("etcd_unreachable")] EtcdUnreachable,
    /// <summary>The newest verified snapshot held here, of any member, is older than <c>Health.MaxSnapshotAgeMinutes</c> (or there is none).</summary>
    [JsonStringEnumMemberName("no_recent_snapshot")] NoRecentSnapshot,
    /// <summary>The last copy to one of <c>Peers.Targets</c> failed.</summary>
    [JsonStringEnumMemberName("copy_failed")] CopyFailed,
    /// <summary>etcd's client certificate has expired or expires within <c>Health.CertificateWarningDays</c>.</summary>
    [JsonStringEnumMemberName("certificate_expiring")] CertificateExpiring,
    /// <summary>The last upload to one of <c>Offsite.Targets</c> failed.</summary>
    [JsonStringEnumMemberName("offsite_copy_failed")] OffsiteCopyFailed,
    /// <summary>This master took snapshots that should have reached one of <c>Offsite.Targets</c> by now, and none did.</summary>
    [JsonStringEnumMemberName("offsite_copy_stale")] OffsiteCopyStale,
}

/// <summary>One reason the verdict holds, with the sentence an operator acts on.</summary>
internal sealed record HealthProblem(HealthReason Reason, string Message);

/// <summary>The verdict: healthy exactly when <see cref="Problems"/> is empty.</summary>
internal sealed record HealthReport(bool Healthy, IReadOnlyList<HealthProblem> Problems);

/// <summary>A verified snapshot in this master's directory; its time is the one in its name, never when the file arrived.</summary>
internal sealed record HeldSnapshot(string Path, DateTimeOffset CreatedAt, string Member, long Revision, long SizeBytes);

/// <summary>What is known of the copies to one place (a peer, an off-site target), across restarts and the one-shot commands.</summary>
internal abstract record CopyHistory
{
    public required DateTimeOffset? LastSuccessAt { get; init; }
    public required DateTimeOffset? LastAttemptAt { get; init; }
    /// <summary>Whether the last attempt left the copy in place; null before any.</summary>
    public required bool? LastOk { get; init; }
    public required string? LastError { get; init; }
    /// <summary>Failed copies since the record began.</summary>
    public required long Failures { get; init; }
}

/// <summary>What is known of the copies to one peer, across restarts and the one-shot <c>push</c>.</summary>
internal sealed record PeerRecord : CopyHistory
{
    /// <summary><c>host:port</c>, as in the metrics' <c>peer</c> label.</summary>
    [JsonPropertyOrder(-1)]
    public required string Peer { get; init; }

    /// <summary>
    /// The snapshot the last attempt copied (file name); absent in records written before 0.2.0. After a
    /// failure, a later success with an older snapshot leaves the failure standing: the newer one is still
    /// not there.
    /// </summary>
    [JsonPropertyOrder(1)]
    public string? LastSnapshot { get; init; }
}

/// <summary>What is known of this master's uploads to one off-site target, across restarts and the one-shot <c>snapshot</c>.</summary>
internal sealed record OffsiteRecord : CopyHistory
{
    /// <summary>The target's <c>Name</c>, as in the metrics' <c>target</c> label.</summary>
    [JsonPropertyOrder(-1)]
    public required string Target { get; init; }
}

internal static class HealthReasons
{
    /// <summary>The name on the wire and in <c>etcd_backupd_unhealthy{reason}</c>; a fast test holds it equal to the JSON name.</summary>
    public static string Wire(this HealthReason reason) => reason switch
    {
        HealthReason.EtcdUnreachable => "etcd_unreachable",
        HealthReason.NoRecentSnapshot => "no_recent_snapshot",
        HealthReason.CopyFailed => "copy_failed",
        HealthReason.CertificateExpiring => "certificate_expiring",
        HealthReason.OffsiteCopyFailed => "offsite_copy_failed",
        HealthReason.OffsiteCopyStale => "offsite_copy_stale",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };
}
