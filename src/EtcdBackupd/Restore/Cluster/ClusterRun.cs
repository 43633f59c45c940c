namespace EtcdBackupd.Restore;

/// <summary>How a cluster restore ended: every member's steps, and the failure's sentence when it failed.</summary>
internal sealed record ClusterOutcome(ClusterRestoreResult Result, string? Failure);

/// <summary>
/// One cluster restore under way: its members (this master first), the session every member's steps
/// belong to, who has opened it (and so must be rolled back), each member's steps for the report. It
/// decides on the members' typed answers only: ok or not, answered or silent, leader, health, rollback state.
/// </summary>
/// <remarks>
/// For testing, <c>waitingReport</c> replaces <see cref="WaitingReport"/>: how often a phase still
/// running says so, and how often the members not busy hear from the coordinator (their lease).
/// </remarks>
internal sealed partial class ClusterRun(
    IReadOnlyList<IRestoreMember> members, string snapshotName, string sha256, string session, PhaseDeadlines deadlines, Action<string, string> progress,
    ILogger logger, TimeSpan? waitingReport = null, string? coordinator = null)
{
    /// <summary>Names this run on every request: its lease is held by this name only.</summary>
    public string Coordinator { get; } = coordinator ?? NewCoordinatorName();

    /// <summary>This host and a fresh run ID: two runs on one master are not the same coordinator.</summary>
    public static string NewCoordinatorName() => $"{Environment.MachineName} run {Guid.NewGuid():N}"[..Math.Min(128, Environment.MachineName.Length + 13)];

    private readonly List<IRestoreMember> _opened = [];
    private readonly HashSet<IRestoreMember> _leaders = [];
    private readonly HashSet<IRestoreMember> _silent = [];
    private readonly Dictionary<IRestoreMember, MemberHealth> _health = [];
    private readonly Dictionary<IRestoreMember, string> _commands = [];
    private readonly Dictionary<IRestoreMember, List<string>> _reports = members.ToDictionary(m => m, _ => new List<string>());

    private string Name => snapshotName;

    /// <param name="placeEverywhere">Pushes the snapshot to the peers; an error message, or null.</param>
    /// <param name="cancellationToken">Stops the run; what was done is rolled back all the same.</param>
    public async Task<ClusterOutcome> RunAsync(Func<Task<string?>> placeEverywhere, CancellationToken cancellationToken)
    {
        var phase = RestorePhase.Check;
        string? failure;
        Exception? error = null;
        try
        {
            failure = await CheckEverywhereAsync(placeEverywhere, cancellationToken) ?? OneRevision() ?? OneMembership() ?? EveryMember();
            foreach (var next in RestorePhases.Runbook)
            {
                if (failure is not null)
                {
                    break;
                }

                phase = next;
                failure = phase == RestorePhase.StopEtcd
                    ? await StopEtcdLeaderLastAsync(cancellationToken)
                    : await PhaseAsync(members, Request(phase), cancellationToken);
                if (failure is null && phase == RestorePhase.WaitHealthy)
                {
                    failure = OneCluster();
                }
            }
        }
        catch (Exception e)
        {
            // Cancelled too: the members must not stay half-restored because the daemon is stopping.
            failure = $"{phase.Wire()}: {Unexpected(e)}";
            error = e;
        }

        if (failure is null)
        {
            var open = await FinishAsync();
            RestoreLog.ClusterRestored(logger, Name, members.Count);
            return new ClusterOutcome(Summary(), open.Count == 0 ? null
                : $"the cluster is restored and healthy, but a session could not be closed on {string.Join("; ", open)}");
        }

        RestoreLog.ClusterFailed(logger, phase.Wire(), failure, error);
        var incomplete = await RollBackAsync();
        var message = phase == RestorePhase.Check
            ? $"cluster restore refused: {failure}; nothing was stopped"
              + (incomplete.Count == 0 ? "" : $"; a session may stay open on {string.Join("; ", incomplete)}: when every member answers again, close it with "
                  + $"etcd-backupctl restore --recover {session} --yes")
            : $"cluster restore failed in phase '{phase.Wire()}': {failure}; "
              + (incomplete.Count == 0 ? $"every member that got that far ({_opened.Count}) was rolled back to its old data"
                  : $"ROLLBACK INCOMPLETE on {string.Join("; ", incomplete)}; when every member answers again, end session {session} on all of them with: "
                    + $"etcd-backupctl restore --recover {session} --yes");
        return new ClusterOutcome(Summary(), message);
    }

    /// <summary>
    /// Every member checks the same file (trailer, and SHA-256 against the manifest) and opens its
    /// session. First each peer's plan: it must speak this protocol version, and when a peer lacks the
    /// snapshot or holds another file under its name, this master's copy is checked first and only then
    /// pushed, so a bad file never travels; otherwise all check at once.
    /// </summary>
    private async Task<string?> CheckEverywhereAsync(Func<Task<string?>> placeEverywhere, CancellationToken cancellationToken)
    {
        var remotes = members.Skip(1).ToList();
        var plans = await Task.WhenAll(remotes.Select(m => CallAsync(m, Request(RestorePhase.Plan) with { File = Name, Protocol = ControlFraming.ProtocolVersion }, cancellationToken)));
        var refused = remotes.Zip(plans).Where(p => !p.Second.Ok || p.Second.Result!.Plan?.Protocol != ControlFraming.ProtocolVersion)
            .Select(p => $"{p.First.Name}: " + (p.Second.Ok ? $"speaks restore protocol {p.Second.Result!.Plan?.Protocol}, this master {ControlFraming.ProtocolVersion}" : p.Second.Error!.Message))
            .ToList();
        if (refused.Count > 0)
        {
            return string.Join("; ", refused);
        }

        var check = Request(RestorePhase.Check) with { File = Name, Sha256 = sha256, Protocol = ControlFraming.ProtocolVersion };
        if (plans.All(p => p.Result!.Plan is { Present: true } plan && plan.Sha256 == sha256))
        {
            return await CheckOrRepushAsync(members, check, cancellationToken);
        }

        return await PhaseAsync([members[0]], check, cancellationToken)
            ?? await WhileRenewingAsync(placeEverywhere(), [members[0]])
            ?? await CheckOrRepushAsync(remotes, check, cancellationToken);
    }

    /// <summary>A long piece of the coordinator's own work (a push of gigabytes); the members already open keep hearing from it.</summary>
    private async Task<string?> WhileRenewingAsync(Task<string?> work, IReadOnlyList<IRestoreMember> opened)
    {
        while (await Task.WhenAny(work, Task.Delay(waitingReport ?? WaitingReport)) != work)
        {
            await RenewAsync(opened);
        }

        return await work;
    }

    /// <summary>
    /// Ends a session whose coordinator is gone, as <see cref="RecoveryRule"/> decided: forward (start
    /// etcd where it is not running, wait for one healthy cluster, start the API servers, close every
    /// session) or back (every member that holds the session open). A forward that fails goes back.
    /// </summary>
    /// <param name="decision">The verdict: finish or roll back.</param>
    /// <param name="open">The members that hold the session open; the others have closed it already.</param>
    /// <param name="cancellationToken">Stops the forward part; a rollback still runs.</param>
    /// <param name="closeOnly">The restore had finished on some member: every phase was done everywhere, only the closing is left.</param>
    public async Task<ClusterOutcome> ResumeAsync(RecoveryDecision decision, IReadOnlyList<IRestoreMember> open, bool closeOnly, CancellationToken cancellationToken)
    {
        _opened.AddRange(open);
        string? failure = null;
        Exception? error = null;
        var phase = RestorePhase.Finish;
        if (decision == RecoveryDecision.Finish)
        {
            try
            {
                foreach (var next in closeOnly ? [] : new[] { RestorePhase.StartEtcd, RestorePhase.WaitHealthy, RestorePhase.StartApi })
                {
                    phase = next;
                    failure = await PhaseAsync(members, Request(phase), cancellationToken)
                        ?? (phase == RestorePhase.WaitHealthy ? OneCluster() : null);
                    if (failure is not null)
                    {
                        break;
                    }
                }
            }
            catch (Exception e)
            {
                failure = $"{phase.Wire()}: {Unexpected(e)}";
                error = e;
            }

            if (failure is null)
            {
                var notClosed = await FinishAsync();
                RestoreLog.ClusterRestored(logger, Name, members.Count);
                return new ClusterOutcome(Summary(), notClosed.Count == 0 ? null
                    : $"the cluster is restored and healthy, but a session could not be closed on {string.Join("; ", notClosed)}");
            }

            RestoreLog.ClusterFailed(logger, phase.Wire(), failure, error);
        }

        var incomplete = await RollBackAsync();
        var why = failure is null ? "" : $"finishing failed in phase '{phase.Wire()}' ({failure}), so ";
        return new ClusterOutcome(Summary(), incomplete.Count == 0 && failure is null ? null
            : incomplete.Count == 0 ? $"{why}every member that held session {session} was rolled back to its old data"
            : $"{why}ROLLBACK INCOMPLETE on {string.Join("; ", incomplete)}; run etcd-backupctl restore --recover {session} --yes again when they answer");
    }

    /// <summary>
    /// Followers first, the leader last: a leader stopped while its followers run hands leadership over
    /// at once, but one stopped together with them waits out etcd's transfer timeout (seconds) for
    /// peers that are going away too. Both waves together are the phase's barrier.
    /// </summary>
    private async Task<string?> StopEtcdLeaderLastAsync(CancellationToken cancellationToken) =>
        await PhaseAsync([.. members.Where(m => !_leaders.Contains(m))], Request(RestorePhase.StopEtcd), cancellationToken)
        ?? await PhaseAsync([.. members.Where(_leaders.Contains)], Request(RestorePhase.StopEtcd), cancellationToken);

    /// <summary>Runs one phase on the given members at once; the barrier is awaiting them all. Returns the failures, or null.</summary>
    private async Task<string?> PhaseAsync(IReadOnlyList<IRestoreMember> on, RestorePhaseRequest request, CancellationToken cancellationToken)
    {
        var calls = on.Select(async m => (Member: m, Answer: await CallAsync(m, request, cancellationToken))).ToList();
        var answers = await WhileWaitingAsync(on, calls, request.Phase);
        var failures = new List<string>();
        foreach (var (member, answer) in answers)
        {
            if (answer.Ok && answer.Result!.Check is { } check)
            {
                _opened.Add(member);
                _commands[member] = check.Command;
                if (check.IsLeader == true)
                {
                    _leaders.Add(member);
                }
            }

            if (answer.Ok && answer.Result!.Health is { } health)
            {
                _health[member] = health;
            }

            if (!answer.Answered)
            {
                // It may have done the step, or part of it (opened its session, even): it is rolled back like the others.
                _silent.Add(member);
                failures.Add($"{member.Name}: state unknown ({answer.Error!.Message})");
            }
            else if (!answer.Ok)
            {
                failures.Add($"{member.Name}: {answer.Error?.Message}");
            }

            Record(member, answer, request.Phase);
        }

        return failures.Count == 0 ? null : string.Join("; ", failures);
    }

    /// <summary>How often a phase that is still running says so: wait-healthy alone may take minutes.</summary>
    public static readonly TimeSpan WaitingReport = TimeSpan.FromSeconds(5);

    /// <summary>The answers of one phase; every <see cref="WaitingReport"/> until they are in, a progress line naming the members not done yet.</summary>
    private async Task<(IRestoreMember Member, PhaseAnswer Answer)[]> WhileWaitingAsync(
        IReadOnlyList<IRestoreMember> on, List<Task<(IRestoreMember Member, PhaseAnswer Answer)>> calls, RestorePhase phase)
    {
        var all = Task.WhenAll(calls);
        var waited = TimeSpan.Zero;
        var every = waitingReport ?? WaitingReport;
        while (await Task.WhenAny(all, Task.Delay(every)) != all)
        {
            waited += every;
            var pending = on.Where((_, i) => !calls[i].IsCompleted).ToList();
            var done = on.Where((_, i) => calls[i].IsCompleted).Select(m => m.Name).ToList();
            progress("coordinator", $"{phase.Wire()}: waiting for {string.Join(", ", pending.Select(m => m.Name))} ({waited.TotalSeconds:F0} s)"
                + (done.Count > 0 ? $"; done: {string.Join(", ", done)}" : ""));
            await RenewAsync(members.Except(pending));
        }

        return await all;
    }

    /// <summary>
    /// The coordinator's lease on the members not busy with a request: while one member takes minutes
    /// (a push, wait-healthy), the others must not see their coordinator as gone.
    /// </summary>
    /// <remarks>
    /// Waited for a report's interval at most, and a member still answering the last renewal is not asked
    /// again: a member slow to answer (a link that resets, one that drops silently, up to the phase's
    /// deadline) held the whole round, and every other member's lease ran out behind it while the
    /// coordinator lived, letting a recovery from another master take over.
    /// </remarks>
    private async Task RenewAsync(IEnumerable<IRestoreMember> idle)
    {
        foreach (var member in _opened.Intersect(idle).Where(m => !_renewing.TryGetValue(m, out var last) || last.IsCompleted).ToList())
        {
            _renewing[member] = CallAsync(member, Request(RestorePhase.State), CancellationToken.None);
        }

        await Task.WhenAny(Task.WhenAll(_renewing.Values), Task.Delay(waitingReport ?? WaitingReport));
    }

    /// <summary>Each member's renewal in flight (the coordinator's one flow reads and writes it).</summary>
    private readonly Dictionary<IRestoreMember, Task<PhaseAnswer>> _renewing = [];

    /// <summary>One request within its phase's deadline; past it, the member is silent (its state unknown).</summary>
    private async Task<PhaseAnswer> CallAsync(IRestoreMember member, RestorePhaseRequest request, CancellationToken cancellationToken)
    {
        var limit = deadlines.For(request.Phase);
        return await member.CallWithinAsync(request, limit, $"no answer to '{request.Phase.Wire()}' within {limit.TotalSeconds:F0} s", cancellationToken,
            () => RestoreLog.MemberSilent(logger, member.Name, request.Phase.Wire(), limit.TotalSeconds));
    }

    /// <summary>
    /// Every member restores to the same revision: one member restored by etcdctl (no revision bump)
    /// among others bumped by etcdutl would serve the same keys under revisions a billion apart, and its
    /// hashkv would never match theirs. Decided on the checked commands, before anything stops.
    /// </summary>
    private string? OneRevision()
    {
        var groups = _commands.GroupBy(c => Bump(c.Value)).ToList();
        return groups.Count <= 1 ? null
            : "the members would restore to different revisions ("
              + string.Join("; ", groups.Select(g => $"{string.Join(", ", g.Select(m => m.Key.Name))}: {g.Key ?? "no --bump-revision, etcdctl's restore"}"))
              + "): give every master the same Restore.Tool (etcdutl from etcd 3.5 on) and Restore.BumpRevision";
    }

    /// <summary>
    /// Every member restores into one cluster: the same <c>--initial-cluster-token</c> and
    /// <c>--initial-cluster</c> (in any order), each under a <c>--name</c> of its own. Members that differ
    /// would form clusters apart; the one-cluster check after the restart caught it, but only once every
    /// member had been stopped, restored and started. Decided on the checked commands, before anything stops.
    /// </summary>
    private string? OneMembership()
    {
        foreach (var flag in (string[])["--initial-cluster-token", "--initial-cluster"])
        {
            var groups = _commands.GroupBy(c => Members(Flag(c.Value, flag))).ToList();
            if (groups.Count > 1)
            {
                return $"the members would restore with different {flag} ("
                    + string.Join("; ", groups.Select(g => $"{string.Join(", ", g.Select(m => m.Key.Name))}: {g.Key ?? "none"}"))
                    + "): every master's etcd unit (or Restore.InitialCluster, Restore.InitialClusterToken) must say the same";
            }
        }

        var twice = _commands.GroupBy(c => Flag(c.Value, "--name")).Where(g => g.Key is not null && g.Count() > 1).Select(g => g.Key).ToList();
        return twice.Count == 0 ? null
            : $"two or more members would restore under the same --name ({string.Join(", ", twice)}): each master's Restore.Name (or its etcd unit's --name) must be its own";

        // --initial-cluster's members in one order; any other value as it is.
        static string? Members(string? value) => value?.Contains('=', StringComparison.Ordinal) == true
            ? string.Join(",", InitialClusterFlag.Members(value).Select(m => m.Url is null ? m.Name : $"{m.Name}={m.Url}").Order(StringComparer.Ordinal))
            : value;
    }

    /// <summary>
    /// Every member <c>--initial-cluster</c> names takes part. The members are this master and <c>Peers.Targets</c> without <c>Prune</c>: a
    /// master missing there would keep running on its old data beside the restored ones (two of three make a quorum),
    /// and the restore would be reported complete. Decided on the checked commands, before anything stops.
    /// </summary>
    private string? EveryMember()
    {
        if (_commands.Values.Select(c => Flag(c, "--initial-cluster")).FirstOrDefault(v => v is not null) is not { } cluster)
        {
            return null;
        }

        var names = InitialClusterFlag.Members(cluster).Select(m => m.Name).Distinct().ToList();
        var taking = _commands.Values.Select(c => Flag(c, "--name")).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var missing = names.Where(n => !taking.Contains(n)).ToList();
        return missing.Count == 0 ? null
            : $"--initial-cluster names {names.Count} members and {string.Join(", ", missing)} would not take part (this restore reaches {members.Count}: "
              + "this master and its Peers.Targets without Prune: true): a member left out would keep its old data beside the restored ones; list every master in Peers.Targets, none of them with Prune: true";
    }

    /// <summary>The word after <paramref name="flag"/> in a restore command, or null.</summary>
    private static string? Flag(string command, string flag)
    {
        var words = command.Split(' ');
        var at = Array.IndexOf(words, flag);
        return at >= 0 && at + 1 < words.Length ? words[at + 1] : null;
    }

    /// <summary>"--bump-revision N" of a restore command, or null.</summary>
    /// <summary>A sentence for MESSAGE and the answer; the exception itself goes to the journal's EXCEPTION field.</summary>
    private static string Unexpected(Exception e) => e switch
    {
        OperationCanceledException => "cancelled (the daemon is stopping, or the restore's deadline passed)",
        _ => Etcd.EtcdErrors.Plain(e.Message) ?? "an unexpected error (the journal's EXCEPTION field has the details)",
    };

    private static string? Bump(string command) => Flag(command, "--bump-revision") is { } n ? $"--bump-revision {n}" : null;

    /// <summary>After the restart: one cluster ID, one leader, and as many distinct members as there are masters.</summary>
    private string? OneCluster()
    {
        var healthy = members.Select(m => _health.GetValueOrDefault(m)).ToList();
        var clusters = healthy.Select(h => h?.ClusterId).Distinct().Count();
        var leaders = healthy.Select(h => h?.Leader).Distinct().Count();
        var distinct = healthy.Select(h => h?.MemberId).Distinct().Count();
        return clusters == 1 && leaders == 1 && distinct == members.Count && healthy.All(h => h is not null)
            ? null
            : $"after the restart the members report {clusters} cluster ID(s), {leaders} leader(s) and {distinct} distinct member(s) for {members.Count} masters";
    }

    /// <summary>Closes every member's session. One that cannot be closed is named with the command that closes it there.</summary>
    private async Task<List<string>> FinishAsync()
    {
        var open = new List<string>();
        foreach (var member in members)
        {
            var finished = await CallAsync(member, Request(RestorePhase.Finish), CancellationToken.None);
            if (finished.Result?.OldDataDir is { } old)
            {
                _reports[member].Add($"the old data directory is kept at {old}");
            }

            if (finished.Result?.OldWalDir is { } oldWal)
            {
                _reports[member].Add($"the old WAL directory is kept at {oldWal}");
            }

            if (!finished.Ok)
            {
                Record(member, finished, RestorePhase.Finish);
                open.Add($"{member.Name} (its session {session} stays open and holds back retention and the next restore there; "
                    + $"close it with etcd-backupctl restore --recover {session} --yes, which finishes it: every member restored)");
            }
        }

        return open;
    }

    /// <summary>
    /// Rolls back every member that opened the session, all at once, the silent ones included; returns
    /// those whose rollback failed or never answered, each with the command that finishes it by hand.
    /// </summary>
    private async Task<List<string>> RollBackAsync()
    {
        var rollbacks = await Task.WhenAll(_opened.Union(_silent).Select(async m => (Member: m, Answer: await CallAsync(m, Request(RestorePhase.Rollback), CancellationToken.None))));
        var incomplete = new List<string>();
        foreach (var (member, answer) in rollbacks)
        {
            Record(member, answer, RestorePhase.Rollback);
            if (!answer.Answered)
            {
                incomplete.Add($"{member.Name} (state unknown)");
            }
            else if (answer.Error?.Code == ErrorCodes.NoSession)
            {
                // A member that went silent before it opened the session: nothing to undo there.
            }
            else if (answer.Result?.Rollback is not RollbackState.Complete)
            {
                incomplete.Add($"{member.Name} (session {session})");
            }
        }

        return incomplete;
    }

    private void Record(IRestoreMember member, PhaseAnswer answer, RestorePhase phase)
    {
        var report = _reports[member];
        foreach (var step in answer.Result?.Steps ?? [])
        {
            progress(member.Name, step);
            report.Add(step);
        }

        if (answer.Error is { } error)
        {
            var line = $"{phase.Wire()} FAILED: {error.Message}";
            progress(member.Name, line);
            report.Add(line);
        }
    }

    private RestorePhaseRequest Request(RestorePhase phase) => new() { Session = session, Phase = phase, Coordinator = Coordinator };

    private ClusterRestoreResult Summary() =>
        new(Name, sha256, [.. members.Select(m => new MemberSteps(m.Name, [.. _reports[m]]))]);
}

/// <summary>How long a member gets for each phase: <c>Restore.HealthTimeoutSeconds</c> (plus a margin) to become healthy, <c>Peers.TimeoutSeconds</c> for the rest.</summary>
internal sealed record PhaseDeadlines(TimeSpan Healthy, TimeSpan Step)
{
    /// <summary>The member's own wait ends first and answers; this margin is for the answer's way back.</summary>
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(30);

    public TimeSpan For(RestorePhase phase) => phase == RestorePhase.WaitHealthy ? Healthy + Margin : Step;
}
