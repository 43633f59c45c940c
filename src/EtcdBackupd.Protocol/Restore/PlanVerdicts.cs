namespace EtcdBackupd.Protocol.Restore;

/// <summary>
/// Whether a dry run would let the real restore go ahead, as an exit code: one rule for
/// <c>etcd-backupctl restore --dry-run</c> and the one-shot <c>etcd-backupd restore --dry-run</c>.
/// </summary>
internal static class PlanVerdicts
{
    /// <summary>1 when the plan lists a problem, or the snapshot is of another cluster and a real restore would be refused.</summary>
    public static int ExitCode(this RestorePlan plan) =>
        plan.Problems.Count == 0 && plan.Cluster is not { Refused: true } ? ExitCodes.Success : ExitCodes.Failed;

    /// <summary>1 when any member's plan has an error or a problem, or the snapshot is of another cluster and a real restore would be refused.</summary>
    public static int ExitCode(this ClusterPlan plan) =>
        plan.Members.All(m => m.Error is null && m.Problems is not { Count: > 0 }) && plan.Cluster is not { Refused: true } ? ExitCodes.Success : ExitCodes.Failed;
}
