using EtcdBackupd.Configuration;
using EtcdBackupd.Peers;

namespace EtcdBackupd.Restore;

/// <summary>
/// The runbook's restore across the whole cluster, from any one master: this node and every entry of
/// <c>Peers.Targets</c> but backup hosts (<c>Prune: true</c>). The same snapshot (by SHA-256) is put on every member first; then each phase runs
/// on every member in parallel and all must finish it before the next starts (stop the API servers
/// everywhere, stop etcd everywhere, restore every member, start etcd everywhere, wait for one leader and
/// one cluster ID, start the API servers). A failure anywhere rolls back every member that got that far.
/// </summary>
internal sealed class ClusterRestore(Live<PeersOptions> livePeers, RestoreOptions restore, MemberPhases local, LineageCheck lineage, TimeProvider time, ILogger logger)
{
    /// <summary>Stands for the session a real restore names, in the dry run's token: <c>TOKEN-restore-SESSION</c>.</summary>
    public const string DryRunSession = "SESSION";

    /// <summary>The restore of <c>path</c> (a dry run plans it); <c>sent</c>: a dry run of a file sent with the request, not imported yet (its SHA-256, and etcd's facts when it has no manifest).</summary>
    public async Task<Reply> RunAsync(
        string path, bool dryRun, bool otherCluster, Action<string, string> progress, CancellationToken cancellationToken, SentFile? sent = null)
    {
        // The peers in force when the restore begins (a reload may have changed them), for the whole run.
        var peers = livePeers.Current;
        var members = new List<IRestoreMember> { new LocalMember(local, path, lineage) };
        try
        {
            if (dryRun && sent is null && !File.Exists(path))
            {
                return Reply.Failure(ErrorCodes.NotFound, $"'{path}' does not exist here: a cluster restore of it would stop at once; nothing was contacted");
            }

            if (dryRun)
            {
                // A file sent is not imported yet: what was sent stands for the manifest its planned path does not have.
                var match = await lineage.CheckAsync(path, ManifestFile.TryRead(SnapshotFileName.ManifestOf(path)) ?? sent?.Manifest, otherCluster, cancellationToken);
                var plan = await PlanAsync(peers, path, members, sent?.Sha256, cancellationToken) with { Cluster = match };
                if ((sent?.Manifest?.EtcdVersion ?? sent?.Facts?.Version) is { Length: > 0 } version
                    && plan.Members.Count > 0 && plan.Members[0] is { Parameters: not null } own)
                {
                    // This member's version check, as the real restore makes it once the file is imported here (the peers make theirs after the push).
                    plan = plan with { Members = [own with { Problems = local.Plan(path, DryRunSession, version).Problems }, .. plan.Members.Skip(1)] };
                }

                return Reply.Success(sent is { } file ? plan with { Sha256 = file.Sha256, WithoutManifest = file.Facts } : plan, ProtocolJsonContext.Default.ClusterPlan);
            }

            if (!File.Exists(path) || !File.Exists(SnapshotFileName.ManifestOf(path)))
            {
                return Reply.Failure(ErrorCodes.NotFound, $"'{path}' or its manifest does not exist here; nothing was stopped");
            }

            var manifest = ManifestFile.TryRead(SnapshotFileName.ManifestOf(path));
            if (manifest is null)
            {
                return Reply.Failure(ErrorCodes.Failed, $"'{path}' has an unreadable manifest; nothing was stopped");
            }

            if (await lineage.RefuseAsync(path, manifest, otherCluster, warning => progress("coordinator", warning), cancellationToken) is { } refused)
            {
                return refused;
            }

            var unreachable = await ConnectAsync(peers, members, cancellationToken);
            if (unreachable.Count > 0)
            {
                return Reply.Failure(ErrorCodes.Failed, "cannot reach every member, nothing was stopped: " + string.Join("; ", unreachable));
            }

            var snapshot = new SnapshotResult(path, manifest);
            // The coordinator's whole run is work in progress: a stop waits for it to complete or roll back.
            using var working = local.Activity.Working();
            var deadlines = new PhaseDeadlines(restore.HealthTimeout, peers.Timeout);
            var session = $"{time.GetUtcNow():yyyyMMddTHHmmssZ}-{Guid.NewGuid():N}"[..32];
            progress("coordinator", $"restore session {session}: if this master's daemon dies, end it on every member with etcd-backupctl restore --recover {session} --yes");
            // Every peer connected, so the remote members are the member targets in order.
            var targets = members.Skip(1).Zip(MemberTargets(peers)).ToDictionary(p => p.First, p => p.Second);
            var run = new ClusterRun(members, Path.GetFileName(path), manifest.Sha256, session, deadlines, progress, logger)
            {
                RepushTo = (on, token) => new PeerRepush(peers, time, logger).ReplaceAsync(snapshot, [.. on.Select(m => targets[m])], progress, token),
            };
            var outcome = await run.RunAsync(() => PlaceEverywhereAsync(peers, snapshot, progress, cancellationToken), cancellationToken);
            return outcome.Failure is null
                ? Reply.Success(outcome.Result, ProtocolJsonContext.Default.ClusterRestoreResult)
                : Reply.Failure(ErrorCodes.Failed, outcome.Failure, outcome.Result, ProtocolJsonContext.Default.ClusterRestoreResult);
        }
        finally
        {
            foreach (var member in members)
            {
                await member.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// <c>restore --recover SESSION</c>: every member's record of the session, then one end for all of
    /// them (<see cref="RecoveryRule"/>). Nothing changes unless every member answers, and nothing while
    /// a coordinator still holds its lease: the recovery waits for it, up to a phase's deadline.
    /// </summary>
    public async Task<Reply> RecoverAsync(string session, bool dryRun, Action<string, string> progress, CancellationToken cancellationToken)
    {
        var peers = livePeers.Current;
        var members = new List<IRestoreMember> { new LocalMember(local, null, lineage) };
        try
        {
            var unreachable = await ConnectAsync(peers, members, cancellationToken);
            if (unreachable.Count > 0)
            {
                return Reply.Failure(ErrorCodes.Failed,
                    $"a recovery needs every member, and these cannot be reached: {string.Join("; ", unreachable)}; nothing was changed: run it again once they are back");
            }

            await AddPruneTargetsWithARecordAsync(peers, members, session, cancellationToken);

            using var working = dryRun ? null : local.Activity.Working();
            var deadlines = new PhaseDeadlines(restore.HealthTimeout, peers.Timeout);
            var states = await StatesWhenFreeAsync(peers, members, session, dryRun ? TimeSpan.Zero : deadlines.For(RestorePhase.WaitHealthy) + restore.Lease, progress, cancellationToken);
            var errors = members.Zip(states).Where(p => p.Second.Error is not null).Select(p => $"{p.First.Name}: {p.Second.Error}").ToList();
            var held = members.Zip(states).Where(p => p.Second.State is { Outcome: SessionOutcome.Open } st && (st.LeaseSecondsLeft > 0 || st.Running is not null))
                .Select(p => $"{p.First.Name} (coordinator {p.Second.State!.Coordinator}, {p.Second.State.LeaseSecondsLeft} s left)").ToList();
            var verdict = errors.Count > 0 ? new RecoveryVerdict(RecoveryDecision.Nothing, "not every member could say where it stands: " + string.Join("; ", errors))
                : held.Count > 0 ? new RecoveryVerdict(RecoveryDecision.Nothing, "the session's coordinator still holds it on " + string.Join(", ", held))
                : RecoveryRule.Decide([.. members.Zip(states).Select(p => (p.First.Name, p.Second.State))]);
            RestoreLog.RecoveryDecided(logger, session, verdict.Decision.ToString(), verdict.Reason);
            progress("coordinator", $"recovery of {session}: {Words(verdict.Decision)}, because {verdict.Reason}");

            MemberRecovery[] Report(ClusterRestoreResult? result) => [.. members.Zip(states).Select((p, i) =>
                new MemberRecovery(p.First.Name, p.Second.State, p.Second.Error, result?.Members[i].Steps ?? []))];
            if (errors.Count == 0 && states.All(s => s.State is null))
            {
                // A mistyped or empty ID in a script: "nothing to do" would read as recovered.
                return Reply.Failure(ErrorCodes.NotFound,
                    $"no member has a record of restore session '{session}': check the ID (the restore's output and each master's journal name it; `etcd-backupctl status` shows one open); nothing was changed",
                    new RecoveryResult(session, verdict.Decision, verdict.Reason, dryRun, Report(null)), ProtocolJsonContext.Default.RecoveryResult);
            }

            var refused = verdict.Decision == RecoveryDecision.Nothing && (errors.Count > 0 || held.Count > 0 || verdict.NeedsOperator);
            if (dryRun || verdict.Decision == RecoveryDecision.Nothing)
            {
                var answer = new RecoveryResult(session, verdict.Decision, verdict.Reason, dryRun, Report(null));
                return refused && !dryRun
                    ? Reply.Failure(ErrorCodes.Failed, $"restore session {session} was not recovered: {verdict.Reason}; nothing was changed", answer, ProtocolJsonContext.Default.RecoveryResult)
                    : Reply.Success(answer, ProtocolJsonContext.Default.RecoveryResult);
            }

            var snapshot = states.Select(s => s.State?.Snapshot).First(n => n is not null)!;
            var sha256 = states.Select(s => s.State?.Sha256).FirstOrDefault(n => n is not null) ?? "";
            var open = members.Zip(states).Where(p => p.Second.State?.Outcome == SessionOutcome.Open).Select(p => p.First).ToList();
            var run = new ClusterRun(members, snapshot, sha256, session, deadlines, progress, logger);
            var outcome = await run.ResumeAsync(verdict.Decision, open, verdict.CloseOnly, cancellationToken);
            var result = new RecoveryResult(session, verdict.Decision, verdict.Reason, false, Report(outcome.Result));
            var failure = outcome.Failure ?? (verdict.NeedsOperator ? verdict.Reason : null);
            return failure is null
                ? Reply.Success(result, ProtocolJsonContext.Default.RecoveryResult)
                : Reply.Failure(ErrorCodes.Failed, $"recovery of restore session {session}: {failure}", result, ProtocolJsonContext.Default.RecoveryResult);
        }
        finally
        {
            foreach (var member in members)
            {
                await member.DisposeAsync();
            }
        }
    }

    private static string Words(RecoveryDecision decision) => decision switch
    {
        RecoveryDecision.Finish => "finish the restore on every member",
        RecoveryDecision.RollBack => "roll back every member to its old data",
        _ => "change nothing",
    };

    /// <summary>
    /// Every member's record of the session, asked again every 2 s while a coordinator still holds it (a
    /// step runs, or its lease has not run out), up to <paramref name="patience"/>.
    /// </summary>
    private async Task<(SessionState? State, string? Error)[]> StatesWhenFreeAsync(
        PeersOptions peers, List<IRestoreMember> members, string session, TimeSpan patience, Action<string, string> progress, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        while (true)
        {
            var request = new RestorePhaseRequest { Session = session, Phase = RestorePhase.State };
            var answers = await Task.WhenAll(members.Select(async m =>
            {
                var answer = await m.CallWithinAsync(request, peers.Timeout, $"no answer within Peers.TimeoutSeconds ({peers.Timeout.TotalSeconds:F0} s)", cancellationToken);
                return answer.Ok ? (answer.Result!.Session, null)
                    : answer.Error?.Code == ErrorCodes.NoSession ? ((SessionState?)null, (string?)null)
                    : (null, answer.Error?.Message ?? "no answer");
            }));
            var held = members.Zip(answers).Where(p => p.Second.Item1 is { Outcome: SessionOutcome.Open } s && (s.LeaseSecondsLeft > 0 || s.Running is not null)).ToList();
            if (held.Count == 0 || time.GetElapsedTime(started) >= patience)
            {
                return answers;
            }

            progress("coordinator", $"waiting for the coordinator's lease to run out on {string.Join(", ", held.Select(h => $"{h.First.Name} ({h.Second.Item1!.LeaseSecondsLeft} s)"))}");
            await Task.Delay(TimeSpan.FromSeconds(2), time, cancellationToken);
        }
    }

    /// <summary>Every member's plan and whether it holds the snapshot; unreachable members are reported, nothing changes.</summary>
    private async Task<ClusterPlan> PlanAsync(PeersOptions peers, string path, List<IRestoreMember> members, string? sentSha256, CancellationToken cancellationToken)
    {
        var unreachable = await ConnectAsync(peers, members, cancellationToken);
        var request = new RestorePhaseRequest { Session = DryRunSession, Phase = RestorePhase.Plan, File = Path.GetFileName(path), Protocol = ControlFraming.ProtocolVersion };
        // A peer that hangs must not hang the dry run (nor hold a root slot): the plan has the steps' deadline.
        var answers = await Task.WhenAll(members.Select(m =>
            m.CallWithinAsync(request, peers.Timeout, $"no plan within Peers.TimeoutSeconds ({peers.Timeout.TotalSeconds:F0} s)", cancellationToken)));
        var sha256 = sentSha256 ?? answers[0].Result?.Plan?.Sha256;
        var plans = new List<ClusterMemberPlan>();
        for (var i = 0; i < members.Count; i++)
        {
            var plan = answers[i].Ok ? answers[i].Result!.Plan : null;
            plans.Add(new ClusterMemberPlan
            {
                Member = members[i].Name,
                Copy = plan is not { Present: true } ? "missing: would be pushed" : plan.Sha256 == sha256 ? "same snapshot" : "differs: would be replaced",
                Error = plan is null ? answers[i].Error?.Message ?? "no plan in the answer"
                    : plan.Protocol != ControlFraming.ProtocolVersion ? $"speaks restore protocol {plan.Protocol}, this master {ControlFraming.ProtocolVersion}: a real restore would stop here"
                    : null,
                Snapshot = plan?.Snapshot, Command = plan?.Command, Parameters = plan?.Parameters, Problems = plan?.Problems,
                Present = plan?.Present, Sha256 = plan?.Sha256, Protocol = plan?.Protocol, Tool = plan?.Tool,
            });
        }

        plans.AddRange(unreachable.Select(problem => new ClusterMemberPlan { Member = problem, Error = "unreachable: a real restore would stop here" }));
        return new ClusterPlan(path, sha256, true, [.. RestorePhases.Runbook.Select(p => p.Wire())], plans);
    }

    /// <summary>
    /// The peers that are members: every target but those with <c>Prune: true</c>, which by their definition
    /// run no daemon (a backup host other clusters push to as well) and could never answer a phase, so the
    /// restore, and the recovery a disaster may need, could never run. A master wrongly marked so is caught
    /// before anything stops: <c>--initial-cluster</c> would name a member that takes no part.
    /// </summary>
    private static List<PeerTarget> MemberTargets(PeersOptions peers) => [.. peers.Targets.Where(t => !t.Prune)];

    /// <summary>
    /// The <c>Prune: true</c> targets whose daemon answers with a record of <paramref name="session"/> (or cannot read
    /// its record), as members of the recovery. A restore refuses a master marked so (its check finds it in
    /// <c>--initial-cluster</c>), but a recovery run where the configuration marks it so would decide without it and
    /// leave it where it was. A backup host (no daemon) or one without a record is left out; asked briefly.
    /// </summary>
    private async Task AddPruneTargetsWithARecordAsync(PeersOptions peers, List<IRestoreMember> members, string session, CancellationToken cancellationToken)
    {
        var limit = peers.Timeout < PruneTargetAnswer ? peers.Timeout : PruneTargetAnswer;
        foreach (var target in peers.Targets.Where(t => t.Prune))
        {
            RemoteMember remote;
            try
            {
                remote = await RemoteMember.ConnectAsync(target, peers, logger, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                continue;
            }

            var answer = await remote.CallWithinAsync(new RestorePhaseRequest { Session = session, Phase = RestorePhase.State }, limit, "no answer", cancellationToken);
            if (answer.Ok ? answer.Result?.Session is not null : answer.Answered && answer.Error?.Code == ErrorCodes.Failed)
            {
                members.Add(remote);
            }
            else
            {
                await remote.DisposeAsync();
            }
        }
    }

    private static readonly TimeSpan PruneTargetAnswer = TimeSpan.FromSeconds(15);

    /// <summary>Opens an SSH connection to every member peer; returns the ones that failed, with why.</summary>
    private async Task<List<string>> ConnectAsync(PeersOptions peers, List<IRestoreMember> members, CancellationToken cancellationToken)
    {
        var attempts = MemberTargets(peers).Select(async target =>
        {
            try
            {
                return ((IRestoreMember?)await RemoteMember.ConnectAsync(target, peers, logger, cancellationToken), (string?)null);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return (null, $"{target}: {e.Message}");
            }
        });
        var problems = new List<string>();
        foreach (var (member, problem) in await Task.WhenAll(attempts))
        {
            if (member is not null)
            {
                members.Add(member);
            }
            else
            {
                problems.Add(problem!);
            }
        }

        return problems;
    }

    /// <summary>Pushes the snapshot where it is missing or different (the pusher skips identical copies); null when every peer has it.</summary>
    private async Task<string?> PlaceEverywhereAsync(PeersOptions peers, SnapshotResult snapshot, Action<string, string> progress, CancellationToken cancellationToken)
    {
        var targets = MemberTargets(peers);
        if (targets.Count == 0)
        {
            return null;
        }

        var results = await new PeerPusher(peers, time, logger).PushAsync(snapshot, targets, cancellationToken);
        foreach (var result in results.Where(r => r.Ok))
        {
            progress($"{result.Host}:{result.Port}", result.Skipped ? "has the same snapshot" : "received the snapshot");
        }

        var failed = results.Where(r => !r.Ok).Select(r => $"{r.Host}:{r.Port}: {r.Error}").ToList();
        return failed.Count == 0 ? null : "could not put the snapshot on every member: " + string.Join("; ", failed);
    }
}
