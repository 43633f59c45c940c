namespace EtcdBackupd.Restore;

/// <summary>
/// A recovery's verdict: which end, why in words, whether only the closing is left, and whether an operator is
/// needed (the recovery then fails, naming why, instead of answering that all is well: after doing what it can
/// when a decision is made, at once when there is none).
/// </summary>
internal sealed record RecoveryVerdict(RecoveryDecision Decision, string Reason, bool CloseOnly = false, bool NeedsOperator = false);

/// <summary>
/// The one rule <c>restore --recover</c> follows, from every member's record of the session: finish
/// everywhere only when every member had restored its data (or the restore had finished somewhere),
/// else roll back everywhere; never a mix. Pure: the members' states in, the verdict out.
/// </summary>
internal static class RecoveryRule
{
    private const string ByHand = "finish it there by hand (its journal says which step failed; etcd and the API servers may still be stopped)";

    /// <param name="states">Each member with its record of the session; null when it has none (it never opened it).</param>
    public static RecoveryVerdict Decide(IReadOnlyList<(string Member, SessionState? State)> states)
    {
        var known = states.Where(s => s.State is not null).Select(s => (s.Member, State: s.State!)).ToList();
        if (known.Count == 0)
        {
            return new(RecoveryDecision.Nothing, "no member has a record of the session");
        }

        var finished = known.Where(s => s.State.Outcome == SessionOutcome.Finished).Select(s => s.Member).ToList();
        var rolledBack = known.Where(s => s.State.Outcome is SessionOutcome.RolledBack or SessionOutcome.RollbackIncomplete).Select(s => s.Member).ToList();
        var open = known.Where(s => s.State.Outcome == SessionOutcome.Open).ToList();
        // A rollback under way, or cut short by a restart: that member's data may be its old data again, whatever its phases done say.
        var rollingBack = open.Where(s => s.State.Running == RestorePhase.Rollback || s.State.Failed == RestorePhase.Rollback).Select(s => s.Member).ToList();
        if (finished.Count > 0 && rolledBack.Count + rollingBack.Count > 0)
        {
            var back = (rolledBack.Count > 0 ? $", rolled back on {string.Join(", ", rolledBack)}" : "")
                + (rollingBack.Count > 0 ? $", a rollback begun on {string.Join(", ", rollingBack)}" : "");
            return new(RecoveryDecision.Nothing,
                $"the members disagree: finished on {string.Join(", ", finished)}{back}; an operator must decide (their journals say what each did)",
                NeedsOperator: true);
        }

        var incomplete = known.Where(s => s.State.Outcome == SessionOutcome.RollbackIncomplete).Select(s => s.Member).ToList();
        if (open.Count == 0 && incomplete.Count > 0)
        {
            // Closed there already, so no request can take the rollback further: what is left is by hand.
            return new(RecoveryDecision.Nothing,
                $"the rollback was incomplete on {string.Join(", ", incomplete)}: {ByHand}",
                NeedsOperator: true);
        }

        if (open.Count == 0)
        {
            return new(RecoveryDecision.Nothing, finished.Count > 0 ? "the session is finished on every member already" : "the session is rolled back on every member already");
        }

        if (finished.Count > 0)
        {
            return new(RecoveryDecision.Finish,
                $"the restore had finished on {string.Join(", ", finished)}, which the coordinator only asks once every member is restored and healthy", CloseOnly: true);
        }

        if (rolledBack.Count > 0)
        {
            // The open members still go back; a rollback left incomplete elsewhere is closed there, so after them an
            // operator must finish it by hand, and the recovery must not end as if all were well.
            if (incomplete.Count == 0)
            {
                return new(RecoveryDecision.RollBack, $"{string.Join(", ", rolledBack)} rolled back already");
            }

            var clean = rolledBack.Except(incomplete).ToList();
            return new(RecoveryDecision.RollBack,
                (clean.Count > 0 ? $"{string.Join(", ", clean)} rolled back already; " : "")
                + $"the rollback was incomplete on {string.Join(", ", incomplete)}: "
                + ByHand,
                NeedsOperator: true);
        }

        if (rollingBack.Count > 0)
        {
            return new(RecoveryDecision.RollBack, $"{string.Join(", ", rollingBack)} had begun rolling back");
        }

        var never = states.Where(s => s.State is null).Select(s => s.Member).ToList();
        if (never.Count > 0)
        {
            return new(RecoveryDecision.RollBack, $"{string.Join(", ", never)} never opened the session");
        }

        var behind = open.Where(s => !s.State.Done.Contains(RestorePhase.RestoreData)).ToList();
        return behind.Count == 0
            ? new(RecoveryDecision.Finish, "every member had restored its data from the snapshot")
            : new(RecoveryDecision.RollBack, string.Join("; ", behind.Select(s => $"{s.Member} had not restored its data ({Where(s.State)})")));
    }

    private static string Where(SessionState state) =>
        state.Failed is { } failed ? $"'{failed.Wire()}' failed there"
        : state.Done.Count > 0 ? $"last done: '{state.Done[^1].Wire()}'"
        : "nothing done";
}
