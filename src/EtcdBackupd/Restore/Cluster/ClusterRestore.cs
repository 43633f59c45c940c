using EtcdBackupd.Peers;

namespace EtcdBackupd.Restore;

/// <summary>
/// The runbook's restore across the whole cluster, from any one master: this node and every entry of
/// <c>Peers.Targets</c>. The same snapshot (by SHA-256) is put on every member first; then each phase runs
/// on every member in parallel and all must finish it before the next starts (stop the API servers
/// everywhere, stop etcd everywhere, restore every member, start etcd everywhere, wait for one leader and
/// one cluster ID, start the API servers). A failure anywhere rolls back every member that got that far.
/// </summary>
internal sealed class ClusterRestore(PeersOptions peers, RestoreOptions restore, MemberPhases local, LineageCheck lineage, TimeProvider time, ILogger logger)
{
    /// <summary>Stands for the session a real restore names, in the dry run's token: <c>TOKEN-restore-SESSION</c>.</summary>
    public const string DryRunSession = "SESSION";

    public async Task<Reply> RunAsync(string path, bool dryRun, bool otherCluster, Action<string, string> progress, CancellationToken cancellationToken)
    {
        var members = new List<IRestoreMember> { new LocalMember(local, path, lineage) };
        try
        {
            if (dryRun)
            {
                var match = await lineage.CheckAsync(path, ManifestFile.TryRead(SnapshotFileName.ManifestOf(path)), otherCluster, cancellationToken);
                return Reply.Success(await PlanAsync(path, members, cancellationToken) with { Cluster = match }, ProtocolJsonContext.Default.ClusterPlan);
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

            var unreachable = await ConnectAsync(members, cancellationToken);
            if (unreachable.Count > 0)
            {
                return Reply.Failure(ErrorCodes.Failed, "cannot reach every member, nothing was stopped: " + string.Join("; ", unreachable));
            }

            var snapshot = new SnapshotResult(path, manifest);
            // The coordinator's whole run is work in progress: a stop waits for it to complete or roll back.
            using var working = local.Activity.Working();
            var deadlines = new PhaseDeadlines(restore.HealthTimeout, peers.Timeout);
            // Every peer connected, so the remote members are Peers.Targets in order.
            var targets = members.Skip(1).Zip(peers.Targets).ToDictionary(p => p.First, p => p.Second);
            var run = new ClusterRun(members, snapshot, $"{time.GetUtcNow():yyyyMMddTHHmmssZ}-{Guid.NewGuid():N}"[..32], deadlines, progress, logger)
            {
                RepushTo = (on, token) => new PeerRepush(peers, time, logger).ReplaceAsync(snapshot, [.. on.Select(m => targets[m])], progress, token),
            };
            var outcome = await run.RunAsync(() => PlaceEverywhereAsync(snapshot, progress, cancellationToken), cancellationToken);
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

    /// <summary>Every member's plan and whether it holds the snapshot; unreachable members are reported, nothing changes.</summary>
    private async Task<ClusterPlan> PlanAsync(string path, List<IRestoreMember> members, CancellationToken cancellationToken)
    {
        var unreachable = await ConnectAsync(members, cancellationToken);
        var request = new RestorePhaseRequest { Session = DryRunSession, Phase = RestorePhase.Plan, File = Path.GetFileName(path), Protocol = ControlFraming.ProtocolVersion };
        var answers = await Task.WhenAll(members.Select(async m =>
        {
            // A peer that hangs must not hang the dry run (nor hold a root slot): the plan has the steps' deadline.
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(peers.Timeout);
            try
            {
                return await m.CallAsync(request, deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return PhaseAnswer.Silent($"no plan within Peers.TimeoutSeconds ({peers.Timeout.TotalSeconds:F0} s)");
            }
        }));
        var sha256 = answers[0].Result?.Plan?.Sha256;
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
                Present = plan?.Present, Sha256 = plan?.Sha256, Protocol = plan?.Protocol,
            });
        }

        plans.AddRange(unreachable.Select(problem => new ClusterMemberPlan { Member = problem, Error = "unreachable: a real restore would stop here" }));
        return new ClusterPlan(path, sha256, true, [.. RestorePhases.Runbook.Select(p => p.Wire())], plans);
    }

    /// <summary>Opens an SSH connection to every peer; returns the ones that failed, with why.</summary>
    private async Task<List<string>> ConnectAsync(List<IRestoreMember> members, CancellationToken cancellationToken)
    {
        var attempts = peers.Targets.Select(async target =>
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
    private async Task<string?> PlaceEverywhereAsync(SnapshotResult snapshot, Action<string, string> progress, CancellationToken cancellationToken)
    {
        if (peers.Targets.Count == 0)
        {
            return null;
        }

        var results = await new PeerPusher(peers, time, logger).PushAsync(snapshot, cancellationToken);
        foreach (var result in results.Where(r => r.Ok))
        {
            progress($"{result.Host}:{result.Port}", result.Skipped ? "has the same snapshot" : "received the snapshot");
        }

        var failed = results.Where(r => !r.Ok).Select(r => $"{r.Host}:{r.Port}: {r.Error}").ToList();
        return failed.Count == 0 ? null : "could not put the snapshot on every member: " + string.Join("; ", failed);
    }
}
