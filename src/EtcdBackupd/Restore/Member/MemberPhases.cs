namespace EtcdBackupd.Restore;

/// <summary>
/// This member's side of a cluster restore: the <c>restore-phase</c> requests a coordinator sends, one
/// step of the runbook each, on the session <c>check</c> opened (docs/control-protocol.md). The
/// coordinator calls the same entry in-process for its own member and over SSH for the others.
/// </summary>
internal sealed class MemberPhases(LocalRestore restore)
{
    public RestoreActivity Activity => restore.Activity;

    /// <summary>The plan of a restore of <paramref name="path"/> here: parameters with their sources, the exact command, problems.</summary>
    /// <param name="path">The snapshot.</param>
    /// <param name="session">A cluster restore's session (its new token shows in the plan); null for this member alone.</param>
    /// <param name="snapshotVersion">The etcd version that took the snapshot, when no manifest beside it says (a file sent, not imported yet).</param>
    public RestorePlan Plan(string path, string? session = null, string? snapshotVersion = null)
    {
        var (member, command, problems, tool) = restore.Plan(path, session, snapshotVersion);
        return new RestorePlan { Snapshot = path, Command = string.Join(' ', command), Parameters = member.ToProtocol(), Problems = problems, Tool = tool };
    }

    /// <summary>One phase; <paramref name="path"/> is the snapshot resolved inside this daemon's directory, null when the request named none.</summary>
    public async Task<PhaseAnswer> RunAsync(string? path, RestorePhaseRequest request, CancellationToken cancellationToken)
    {
        var (id, phase) = (request.Session, request.Phase);
        if (!SessionIds.IsValid(id))
        {
            return PhaseAnswer.Failed(ErrorCodes.BadRequest, $"restore-phase needs a \"session\" of 1 to 64 letters, digits, '.', '_' or '-' starting with a letter or digit");
        }

        if (request.Coordinator is { Length: > 128 })
        {
            return PhaseAnswer.Failed(ErrorCodes.BadRequest, "restore-phase \"coordinator\" is at most 128 characters");
        }

        if (phase is RestorePhase.Plan or RestorePhase.Check && path is null)
        {
            return PhaseAnswer.Failed(ErrorCodes.BadRequest, $"restore-phase '{phase.Wire()}' needs \"file\": a snapshot name in this member's snapshot directory");
        }

        if (phase is RestorePhase.Check && request.Protocol != ControlFraming.ProtocolVersion)
        {
            return PhaseAnswer.Failed(ErrorCodes.ProtocolMismatch,
                $"this member speaks restore protocol {ControlFraming.ProtocolVersion}, the coordinator {request.Protocol?.ToString() ?? "an older one"}: upgrade every master to the same etcd-backupd first; nothing was stopped");
        }

        try
        {
            return await AnswerAsync(request, path, cancellationToken);
        }
        catch (SessionUnreadableException e)
        {
            // Not no_session: a coordinator or recovery must not take this member for one that never opened it.
            return PhaseAnswer.Failed(ErrorCodes.Failed, e.Message);
        }
    }

    private async Task<PhaseAnswer> AnswerAsync(RestorePhaseRequest request, string? path, CancellationToken cancellationToken)
    {
        var (id, phase) = (request.Session, request.Phase);
        if (phase is RestorePhase.State)
        {
            return State(id, request.Coordinator);
        }

        using var working = phase == RestorePhase.Plan ? null : restore.Activity.Working();
        try
        {
            return phase switch
            {
                RestorePhase.Plan => PhaseAnswer.Of(new PhaseResult { Phase = phase, Steps = [], Plan = PlanWithCopy(path!, id) }),
                RestorePhase.Check => await CheckAsync(id, path!, request, cancellationToken),
                RestorePhase.Rollback => await InTurnAsync(request, RollBackAsync, CancellationToken.None),
                RestorePhase.Finish => await InTurnAsync(request, s => Task.FromResult(Finish(id, s)), CancellationToken.None),
                _ => await InTurnAsync(request, s => StepAsync(s, phase, cancellationToken), cancellationToken),
            };
        }
        catch (NoRestoreSessionException e)
        {
            // no_session tells a coordinator there is nothing to undo here: only when there is no record at all. A
            // record still open that another process has is a failure, so a rollback reports this member unfinished.
            return Closed(id, phase)
                ?? (restore.StateOf(id) is { Outcome: SessionOutcome.Open } ? PhaseAnswer.Failed(ErrorCodes.Failed, e.Message) : PhaseAnswer.Failed(ErrorCodes.NoSession, e.Message));
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return PhaseAnswer.Failed(ErrorCodes.Failed, e.Message);
        }
    }

    /// <summary>The session as recorded here; from its coordinator, also a renewal of its lease.</summary>
    private PhaseAnswer State(string id, string? coordinator)
    {
        if (restore.HeldId == id && coordinator is not null && restore.Held(id) is { } open && open.Coordinator == coordinator)
        {
            open.Heard();
        }

        return restore.StateOf(id) is { } state
            ? PhaseAnswer.Of(new PhaseResult { Phase = RestorePhase.State, Steps = [], Session = state })
            : PhaseAnswer.Failed(ErrorCodes.NoSession, $"this member has no record of restore session '{id}'");
    }

    /// <summary>
    /// A request for a session closed here already: the same end asked again (a coordinator that
    /// reconnected, a recovery) is answered as done; anything else is refused with how it ended.
    /// </summary>
    private PhaseAnswer? Closed(string id, RestorePhase phase)
    {
        if (restore.StateOf(id) is not { Outcome: not SessionOutcome.Open } state)
        {
            return null;
        }

        var ended = state.Outcome.ToString();
        return (phase, state.Outcome) switch
        {
            (RestorePhase.Finish, SessionOutcome.Finished) => PhaseAnswer.Of(new PhaseResult { Phase = phase, Steps = ["finished already"], Session = state }),
            (RestorePhase.Rollback, SessionOutcome.RolledBack) =>
                PhaseAnswer.Of(new PhaseResult { Phase = phase, Steps = ["rolled back already"], Rollback = RollbackState.Complete, Session = state }),
            (RestorePhase.Rollback, SessionOutcome.RollbackIncomplete) => PhaseAnswer.Failed(ErrorCodes.Failed,
                $"restore session '{id}' was rolled back here already, incompletely: an operator must finish by hand (see the journal)",
                new PhaseResult { Phase = phase, Steps = [], Rollback = RollbackState.Incomplete, Session = state }),
            _ => PhaseAnswer.Failed(ErrorCodes.NoSession, $"restore session '{id}' is closed on this member ({ended.ToLowerInvariant()}); '{phase.Wire()}' cannot run on it"),
        };
    }

    /// <summary>The plan, and whether this member holds the snapshot (from its manifest: a dry run reads no gigabytes).</summary>
    private PhasePlan PlanWithCopy(string path, string session)
    {
        var plan = Plan(path, session);
        return new PhasePlan
        {
            Snapshot = plan.Snapshot, Command = plan.Command, Parameters = plan.Parameters, Problems = plan.Problems, Tool = plan.Tool,
            Present = File.Exists(path), Sha256 = ManifestFile.TryRead(SnapshotFileName.ManifestOf(path))?.Sha256,
            Protocol = ControlFraming.ProtocolVersion,
        };
    }

    /// <summary>
    /// Runs one request of a session when the one before it has ended; never on a session closed
    /// meanwhile. Only the session's coordinator steps it while its lease runs (or a step runs): anyone
    /// else is refused then, and takes the session over after.
    /// </summary>
    private async Task<PhaseAnswer> InTurnAsync(RestorePhaseRequest request, Func<RestoreSession, Task<PhaseAnswer>> step, CancellationToken cancellationToken)
    {
        var id = request.Session;
        var session = restore.Held(id);
        if (session.Coordinator != request.Coordinator)
        {
            if (session.RunningNow is { } running)
            {
                return PhaseAnswer.Failed(ErrorCodes.LeaseHeld,
                    $"restore session '{id}' is running '{running.Wire()}' here for its coordinator ({session.Coordinator}); nothing was touched");
            }

            if (session.LeaseLeft > TimeSpan.Zero)
            {
                return PhaseAnswer.Failed(ErrorCodes.LeaseHeld,
                    $"restore session '{id}' is held by its coordinator ({session.Coordinator}) for {session.LeaseLeft.TotalSeconds:F0} s more; nothing was touched. "
                    + $"If that coordinator is gone, wait and run: etcd-backupctl restore --recover {id} --yes");
            }
        }

        await session.Turn.WaitAsync(cancellationToken);
        try
        {
            if (!restore.Holds(id, session))
            {
                return Closed(id, request.Phase) ?? PhaseAnswer.Failed(ErrorCodes.NoSession, $"restore session '{id}' was closed while this request waited");
            }

            if (session.Coordinator != request.Coordinator)
            {
                session.TakeOver(request.Coordinator ?? "an operator's call on this master");
            }

            session.Heard();
            return await step(session);
        }
        finally
        {
            session.Heard();
            session.Turn.Release();
        }
    }

    private async Task<PhaseAnswer> CheckAsync(string id, string path, RestorePhaseRequest request, CancellationToken cancellationToken)
    {
        if (request.Sha256 is not { } sha256)
        {
            return PhaseAnswer.Failed(ErrorCodes.BadRequest, "restore-phase 'check' needs \"sha256\": every member must restore the same file");
        }

        var session = await restore.BeginAsync(id, path, null, cancellationToken);
        await session.Turn.WaitAsync(CancellationToken.None);
        try
        {
            if (!session.IsDone(RestorePhase.Check))
            {
                await session.CheckAsync(sha256, request.Coordinator, cancellationToken);
            }
            else if (session.Coordinator != request.Coordinator)
            {
                throw new RestoreBusyException($"restore session '{id}' was opened here by another coordinator ({session.Coordinator})");
            }

            session.Heard();
            var check = new MemberCheck(session.MemberName!, session.IsLeader, string.Join(' ', session.Command ?? []), ControlFraming.ProtocolVersion);
            return PhaseAnswer.Of(new PhaseResult { Phase = RestorePhase.Check, Steps = [.. session.Steps], Check = check });
        }
        catch (Exception e) when (e is not RestoreBusyException)
        {
            restore.End(id);
            throw;
        }
        finally
        {
            session.Turn.Release();
        }
    }

    /// <summary>
    /// One step of the runbook, recorded before and after. A stop or the restore done already (the
    /// coordinator asks again after a dropped link, or a recovery goes on) is not run twice; the starts
    /// (which leave a running unit alone) and wait-healthy run again: what a restart killed comes back.
    /// </summary>
    private static async Task<PhaseAnswer> StepAsync(RestoreSession session, RestorePhase phase, CancellationToken cancellationToken)
    {
        if (session.IsDone(phase) && phase is RestorePhase.StopApi or RestorePhase.StopEtcd or RestorePhase.RestoreData)
        {
            return PhaseAnswer.Of(new PhaseResult { Phase = phase, Steps = [$"'{phase.Wire()}' was done already"] });
        }

        return await session.PhaseAsync(phase, () => RunStepAsync(session, phase, cancellationToken));
    }

    private static async Task<PhaseAnswer> RunStepAsync(RestoreSession session, RestorePhase phase, CancellationToken cancellationToken)
    {
        var before = session.Steps.Count;
        MemberHealth? health = null;
        switch (phase)
        {
            case RestorePhase.StopApi: await session.StopApiServersAsync(cancellationToken); break;
            case RestorePhase.StopEtcd: await session.StopEtcdAsync(cancellationToken); break;
            case RestorePhase.RestoreData: await session.RestoreDataAsync(cancellationToken); break;
            case RestorePhase.StartEtcd: await session.StartEtcdAsync(cancellationToken); break;
            case RestorePhase.StartApi: await session.StartApiServersAsync(cancellationToken); break;
            case RestorePhase.WaitHealthy:
                var status = await session.WaitHealthyAsync(cancellationToken);
                health = new MemberHealth(status.Header.MemberId.ToString("x"), status.Header.ClusterId.ToString("x"), status.Leader.ToString("x"));
                break;
            default:
                return PhaseAnswer.Failed(ErrorCodes.BadRequest, $"'{phase.Wire()}' is not a step of the runbook; known phases: {RestorePhases.Known}");
        }

        return PhaseAnswer.Of(new PhaseResult { Phase = phase, Steps = [.. session.Steps.Skip(before)], Health = health });
    }

    private async Task<PhaseAnswer> RollBackAsync(RestoreSession session)
    {
        var id = session.Id;
        var before = session.Steps.Count;
        RollbackState state;
        try
        {
            state = await session.RollBackAsync();
        }
        finally
        {
            restore.End(id);
        }

        var result = new PhaseResult
        {
            Phase = RestorePhase.Rollback, Steps = [.. session.Steps.Skip(before)], Rollback = state, OldDataDir = session.OldDataDir, OldWalDir = session.OldWalDir,
        };
        return state == RollbackState.Complete
            ? PhaseAnswer.Of(result)
            : PhaseAnswer.Failed(ErrorCodes.Failed, "the rollback was incomplete: " + string.Join("; ", result.Steps), result);
    }

    private PhaseAnswer Finish(string id, RestoreSession session)
    {
        session.Finish();
        restore.End(id);
        return PhaseAnswer.Of(new PhaseResult { Phase = RestorePhase.Finish, Steps = [.. session.Steps], OldDataDir = session.OldDataDir, OldWalDir = session.OldWalDir });
    }
}
