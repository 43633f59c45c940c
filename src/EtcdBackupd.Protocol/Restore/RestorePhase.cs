using System.Text.Json.Serialization;

namespace EtcdBackupd.Protocol.Restore;

/// <summary>The <c>phase</c> of a <c>restore-phase</c> request: the runbook's steps, and the session's opening and closing.</summary>
[JsonConverter(typeof(StrictEnum<RestorePhase>))]
internal enum RestorePhase
{
    /// <summary>The plan, and whether the member holds the snapshot; changes nothing, opens no session.</summary>
    [JsonStringEnumMemberName("plan")] Plan,

    /// <summary>Opens the session: the same file (SHA-256, trailer) and this member's parameters.</summary>
    [JsonStringEnumMemberName("check")] Check,

    [JsonStringEnumMemberName("stop-api")] StopApi,

    [JsonStringEnumMemberName("stop-etcd")] StopEtcd,

    [JsonStringEnumMemberName("restore-data")] RestoreData,

    [JsonStringEnumMemberName("start-etcd")] StartEtcd,

    [JsonStringEnumMemberName("wait-healthy")] WaitHealthy,

    [JsonStringEnumMemberName("start-api")] StartApi,

    /// <summary>Closes the session after a restore that succeeded everywhere.</summary>
    [JsonStringEnumMemberName("finish")] Finish,

    /// <summary>Undoes every step the session took, and closes it.</summary>
    [JsonStringEnumMemberName("rollback")] Rollback,

    /// <summary>The session as this member records it, open or closed; changes nothing (from the coordinator, renews its lease).</summary>
    [JsonStringEnumMemberName("state")] State,
}

internal static class RestorePhases
{
    /// <summary>The runbook's phases after the check, in order; every member finishes one before any starts the next.</summary>
    public static readonly IReadOnlyList<RestorePhase> Runbook =
        [RestorePhase.StopApi, RestorePhase.StopEtcd, RestorePhase.RestoreData, RestorePhase.StartEtcd, RestorePhase.WaitHealthy, RestorePhase.StartApi];

    /// <summary>The wire name, as operators see it in messages.</summary>
    public static string Wire(this RestorePhase phase) => phase switch
    {
        RestorePhase.Plan => "plan",
        RestorePhase.Check => "check",
        RestorePhase.StopApi => "stop-api",
        RestorePhase.StopEtcd => "stop-etcd",
        RestorePhase.RestoreData => "restore-data",
        RestorePhase.StartEtcd => "start-etcd",
        RestorePhase.WaitHealthy => "wait-healthy",
        RestorePhase.StartApi => "start-api",
        RestorePhase.Finish => "finish",
        RestorePhase.Rollback => "rollback",
        RestorePhase.State => "state",
        _ => throw new ArgumentOutOfRangeException(nameof(phase), phase, null),
    };

    public static string Known => string.Join(", ", Enum.GetValues<RestorePhase>().Select(Wire));
}
