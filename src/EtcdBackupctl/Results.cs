using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using EtcdBackupd.Protocol;
using EtcdBackupd.Protocol.Restore;
using EtcdBackupd.Protocol.Results;

namespace EtcdBackupctl;

/// <summary>How one kind of result is read, shown, printed as JSON, and turned into an exit code.</summary>
internal sealed record ResultKind<T>(JsonTypeInfo<Answer<T>> Answer, JsonTypeInfo<T> Indented, Func<T, View, string> Render, Func<T, int> ExitCode);

/// <summary>Every result the CLI reads, with the exit code each one earns (<see cref="ExitCodes"/>).</summary>
internal static class Results
{
    /// <summary><c>--json</c>: the same records, indented, non-ASCII as it is (host names, messages).</summary>
    private static readonly ProtocolJsonContext Json = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    });

    private static int Success<T>(T _) => ExitCodes.Success;

    /// <summary>1 when the daemon's health verdict holds a reason (etcd unreachable, no recent snapshot, a copy failed, the certificate expiring).</summary>
    public static readonly ResultKind<StatusResult> Status = new(ProtocolJsonContext.Default.AnswerStatusResult, Json.StatusResult, Render.Status,
        r => r.Health.Healthy ? ExitCodes.Success : ExitCodes.Failed);

    /// <summary>5 when the snapshot is saved but a peer did not get its copy.</summary>
    public static readonly ResultKind<SnapshotReport> Snapshot = new(ProtocolJsonContext.Default.AnswerSnapshotReport, Json.SnapshotReport, Render.Snapshot,
        r => r.AllCopied() ? ExitCodes.Success : ExitCodes.CopyFailed);

    public static readonly ResultKind<IReadOnlyList<ListEntry>> List = new(ProtocolJsonContext.Default.AnswerIReadOnlyListListEntry, Json.IReadOnlyListListEntry, Render.List, Success);

    /// <summary>1 unless every target's object matches its manifest.</summary>
    public static readonly ResultKind<OffsiteVerifyResult> OffsiteVerify = new(ProtocolJsonContext.Default.AnswerOffsiteVerifyResult, Json.OffsiteVerifyResult, Render.OffsiteVerify,
        r => r.AllOk ? ExitCodes.Success : ExitCodes.Failed);

    /// <summary>1 when a target could not be listed.</summary>
    public static readonly ResultKind<OffsiteListResult> OffsiteList = new(ProtocolJsonContext.Default.AnswerOffsiteListResult, Json.OffsiteListResult, Render.OffsiteList,
        r => r.Targets.All(t => t.Error is null) ? ExitCodes.Success : ExitCodes.Failed);

    public static readonly ResultKind<VerifyResult> Verify = new(ProtocolJsonContext.Default.AnswerVerifyResult, Json.VerifyResult, Render.Verify, Success);

    /// <summary>5 when the pin is written here but a peer holding the snapshot did not get the new manifest.</summary>
    public static readonly ResultKind<PinResult> Pin = new(ProtocolJsonContext.Default.AnswerPinResult, Json.PinResult, Render.Pin,
        r => r.Peers.All(p => p.Ok) ? ExitCodes.Success : ExitCodes.CopyFailed);

    public static readonly ResultKind<PruneResult> Prune = new(ProtocolJsonContext.Default.AnswerPruneResult, Json.PruneResult, Render.Prune, Success);

    /// <summary>1 when any peer is unreachable or its host key refused: <c>etcd-backupctl peers || alert</c> fires.</summary>
    public static readonly ResultKind<IReadOnlyList<PeerCheck>> Peers = new(ProtocolJsonContext.Default.AnswerIReadOnlyListPeerCheck, Json.IReadOnlyListPeerCheck, Render.Peers,
        r => r.All(p => p.Good) ? ExitCodes.Success : ExitCodes.Failed);

    /// <summary>1 when any check failed.</summary>
    public static readonly ResultKind<CheckResult> Check = new(ProtocolJsonContext.Default.AnswerCheckResult, Json.CheckResult, Render.Check,
        r => r.Passed ? ExitCodes.Success : ExitCodes.Failed);

    /// <summary>1 when the plan lists a problem, or the snapshot is of another cluster and a real restore would be refused.</summary>
    public static readonly ResultKind<RestorePlan> Plan = new(ProtocolJsonContext.Default.AnswerRestorePlan, Json.RestorePlan, Render.Plan, PlanVerdicts.ExitCode);

    public static readonly ResultKind<LocalRestoreResult> Restored = new(ProtocolJsonContext.Default.AnswerLocalRestoreResult, Json.LocalRestoreResult, Render.Restored, Success);

    /// <summary>1 when any member's plan has an error or a problem, or the snapshot is of another cluster and a real restore would be refused.</summary>
    public static readonly ResultKind<ClusterPlan> ClusterPlan = new(ProtocolJsonContext.Default.AnswerClusterPlan, Json.ClusterPlan, Render.ClusterPlan, PlanVerdicts.ExitCode);

    /// <summary>0 when the session ended (or had ended) one way on every member; a refusal is an error answer (1).</summary>
    public static readonly ResultKind<RecoveryResult> Recovered = new(ProtocolJsonContext.Default.AnswerRecoveryResult, Json.RecoveryResult, Render.Recovered, Success);

    /// <summary>5 when the snapshot is imported here but a peer did not take its copy (the daemon sends it again later).</summary>
    public static readonly ResultKind<ImportResult> Imported = new(ProtocolJsonContext.Default.AnswerImportResult, Json.ImportResult, Render.Imported,
        r => r.Peers.All(p => p.Ok) ? ExitCodes.Success : ExitCodes.CopyFailed);

    public static readonly ResultKind<FetchResult> Fetched = new(ProtocolJsonContext.Default.AnswerFetchResult, Json.FetchResult, Render.Fetched, Success);

    public static readonly ResultKind<ClusterRestoreResult> ClusterRestored = new(ProtocolJsonContext.Default.AnswerClusterRestoreResult, Json.ClusterRestoreResult, Render.ClusterRestored, Success);
}
