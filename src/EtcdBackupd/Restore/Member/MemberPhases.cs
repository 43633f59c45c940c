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
    public RestorePlan Plan(string path, string? session = null)
    {
        var (member, command, problems) = restore.Plan(path, session);
        return new RestorePlan { Snapshot = path, Command = string.Join(' ', command), Parameters = member.ToProtocol(), Problems = problems };
    }

    /// <summary>One phase; <paramref name="path"/> is the snapshot resolved inside this daemon's directory, null when the request named none.</summary>
    public async Task<PhaseAnswer> RunAsync(string? path, RestorePhaseRequest request, CancellationToken cancellationToken)
    {
        var (id, phase) = (request.Session, request.Phase);
        if (id.Length is 0 or > 64)
        {
            return PhaseAnswer.Failed(ErrorCodes.BadRequest, "restore-phase needs a \"session\" of 1 to 64 characters");
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

        using var working = phase == RestorePhase.Plan ? null : restore.Activity.Working();
        try
        {
            return phase switch
            {
                RestorePhase.Plan => PhaseAnswer.Of(new PhaseResult { Phase = phase, Steps = [], Plan = PlanWithCopy(path!, id) }),
                RestorePhase.Check => await CheckAsync(id, path!, request.Sha256, cancellationToken),
                RestorePhase.Rollback => await InTurnAsync(id, RollBackAsync, CancellationToken.None),
                RestorePhase.Finish => await InTurnAsync(id, s => Task.FromResult(Finish(id, s)), CancellationToken.None),
                _ => await InTurnAsync(id, s => StepAsync(s, phase, cancellationToken), cancellationToken),
            };
        }
        catch (NoRestoreSessionException e)
        {
            return PhaseAnswer.Failed(ErrorCodes.NoSession, e.Message);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return PhaseAnswer.Failed(ErrorCodes.Failed, e.Message);
        }
    }

    /// <summary>The plan, and whether this member holds the snapshot (from its manifest: a dry run reads no gigabytes).</summary>
    private PhasePlan PlanWithCopy(string path, string session)
    {
        var plan = Plan(path, session);
        return new PhasePlan
        {
            Snapshot = plan.Snapshot, Command = plan.Command, Parameters = plan.Parameters, Problems = plan.Problems,
            Present = File.Exists(path), Sha256 = ManifestFile.TryRead(SnapshotFileName.ManifestOf(path))?.Sha256,
            Protocol = ControlFraming.ProtocolVersion,
        };
    }

    /// <summary>Runs one request of session <paramref name="id"/> when the one before it has ended; never on a session closed meanwhile.</summary>
    private async Task<PhaseAnswer> InTurnAsync(string id, Func<RestoreSession, Task<PhaseAnswer>> step, CancellationToken cancellationToken)
    {
        var session = restore.Held(id);
        await session.Turn.WaitAsync(cancellationToken);
        try
        {
            return restore.Holds(id, session)
                ? await step(session)
                : PhaseAnswer.Failed(ErrorCodes.NoSession, $"restore session '{id}' was closed while this request waited");
        }
        finally
        {
            session.Turn.Release();
        }
    }

    private async Task<PhaseAnswer> CheckAsync(string id, string path, string? sha256, CancellationToken cancellationToken)
    {
        if (sha256 is null)
        {
            return PhaseAnswer.Failed(ErrorCodes.BadRequest, "restore-phase 'check' needs \"sha256\": every member must restore the same file");
        }

        var session = await restore.BeginAsync(id, path, null, cancellationToken);
        await session.Turn.WaitAsync(CancellationToken.None);
        try
        {
            await session.CheckAsync(sha256, cancellationToken);
            var check = new MemberCheck(session.Member!.Name.Value, session.IsLeader, string.Join(' ', session.Command!), ControlFraming.ProtocolVersion);
            return PhaseAnswer.Of(new PhaseResult { Phase = RestorePhase.Check, Steps = [.. session.Steps], Check = check });
        }
        catch
        {
            restore.End(id);
            throw;
        }
        finally
        {
            session.Turn.Release();
        }
    }

    private static async Task<PhaseAnswer> StepAsync(RestoreSession session, RestorePhase phase, CancellationToken cancellationToken)
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
        var id = restore.HeldId!;
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
            Phase = RestorePhase.Rollback, Steps = [.. session.Steps.Skip(before)], Rollback = state, OldDataDir = session.OldDataDir,
        };
        return state == RollbackState.Complete
            ? PhaseAnswer.Of(result)
            : PhaseAnswer.Failed(ErrorCodes.Failed, "the rollback was incomplete: " + string.Join("; ", result.Steps), result);
    }

    private PhaseAnswer Finish(string id, RestoreSession session)
    {
        restore.End(id);
        return PhaseAnswer.Of(new PhaseResult { Phase = RestorePhase.Finish, Steps = [.. session.Steps], OldDataDir = session.OldDataDir });
    }
}
