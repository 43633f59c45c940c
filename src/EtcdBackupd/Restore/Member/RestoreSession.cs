using EtcdBackupd.Etcd;
using EtcdBackupd.Etcd.Protocol;
using Grpc.Core;

namespace EtcdBackupd.Restore;

/// <summary>The outcome of a restore: every step with its result, and where the old data (and a WAL kept apart) now is.</summary>
internal sealed record RestoreReport(bool Ok, IReadOnlyList<string> Steps, string? FailedStep, string? Error, string? OldDataDir, string? OldWalDir = null);

/// <summary>
/// One member's restore of one snapshot, as separate steps in the runbook's order, remembering what to
/// undo. A local restore runs the steps back to back; a cluster restore runs each step on every member
/// before the next (a barrier), so the session outlives a single request, and, written to the state
/// directory before each step (<see cref="SessionStore"/>), a restart of the daemon too.
/// </summary>
/// <remarks>A cluster restore passes its session: this member then takes the restore's new cluster identity (<see cref="RestoreIdentity"/>).</remarks>
internal sealed partial class RestoreSession
{
    private readonly RestoreOptions _options;
    private readonly EtcdOptions _etcd;
    private readonly IServiceControl _services;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Action<string>? _onStep;
    private readonly string? _session;
    private readonly SessionStore? _store;
    private readonly SessionRecord _record;
    private long _heard;
    private RestorePhase? _runningNow;

    public RestoreSession(
        string snapshot, RestoreOptions options, EtcdOptions etcd, IServiceControl services, TimeProvider time, ILogger logger, Action<string>? onStep,
        string? session = null, SessionStore? store = null)
        : this(new SessionRecord { Id = session ?? "local", Snapshot = snapshot, OpenedAt = time.GetUtcNow() }, options, etcd, services, time, logger, onStep, session, store)
    {
    }

    private RestoreSession(
        SessionRecord record, RestoreOptions options, EtcdOptions etcd, IServiceControl services, TimeProvider time, ILogger logger, Action<string>? onStep,
        string? session, SessionStore? store)
    {
        (_record, _options, _etcd, _services, _time, _logger, _onStep, _session, _store) = (record, options, etcd, services, time, logger, onStep, session, store);
        _heard = time.GetTimestamp();
    }

    /// <summary>A session a daemon that stopped in the middle of it wrote; its lease starts again now, so a live coordinator can go on.</summary>
    /// <remarks>A phase the daemon died in counts as failed: it may have been done in part.</remarks>
    public static RestoreSession Reload(SessionRecord record, RestoreOptions options, EtcdOptions etcd, IServiceControl services, TimeProvider time, ILogger logger, SessionStore store)
    {
        if (record.Running is { } died)
        {
            (record.Failed, record.Running) = (died, null);
            record.Steps.Add($"the daemon stopped during '{died.Wire()}'");
            try
            {
                store.Save(record);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A full or read-only State.Directory must not keep the daemon from starting (no snapshots at all then): the
                // record on disk still says the phase was running, which the next reload reads the same way.
                RestoreLog.ReloadUnsaved(logger, record.Id, died.Wire(), e.Message);
            }
        }

        return new(record, options, etcd, services, time, logger, null, record.Id, store);
    }

    /// <summary>One step at a time: a rollback sent while a step still runs (its coordinator gave up waiting) waits for it.</summary>
    public SemaphoreSlim Turn { get; } = new(1, 1);

    public string Id => _record.Id;

    public string Snapshot => _record.Snapshot;

    /// <summary>The step running, or the last one; the failed one after an error.</summary>
    public string Step { get; private set; } = "check the snapshot";

    public MemberParameters? Member { get; private set; }

    /// <summary>etcd's restore command for this member, as the check resolved it.</summary>
    public IReadOnlyList<string>? Command { get; private set; }

    public string? OldDataDir => _record.OldDataDir;

    /// <summary>Where the old WAL went, when etcd keeps it apart (<c>--wal-dir</c>): without it, the old data cannot be put back by hand.</summary>
    public string? OldWalDir => _record.OldWalDir;

    public IReadOnlyList<string> Steps => _record.Steps;

    /// <summary>Whether this member's etcd led the cluster when checked; null when it did not answer (its data may be gone).</summary>
    public bool? IsLeader => _record.IsLeader;

    public string? MemberName => _record.MemberName;

    public string? Coordinator => _record.Coordinator;

    public bool IsDone(RestorePhase phase) => _record.Done.Contains(phase);

    /// <summary>A request of the coordinator has come: its lease runs <c>Restore.LeaseSeconds</c> from now.</summary>
    public void Heard() => Interlocked.Exchange(ref _heard, _time.GetTimestamp());

    /// <summary>No lease from now: the session's coordinator was a process on this master that is gone.</summary>
    public void ExpireLease() => Interlocked.Exchange(ref _heard, _time.GetTimestamp() - (long)((_options.Lease.TotalSeconds + 1) * _time.TimestampFrequency));

    /// <summary>Whether the coordinator still holds the session: a step runs now, or it was heard within the lease.</summary>
    public TimeSpan LeaseLeft => _runningNow is not null ? _options.Lease : Max(TimeSpan.Zero, _options.Lease - _time.GetElapsedTime(Interlocked.Read(ref _heard)));

    public RestorePhase? RunningNow => _runningNow;

    /// <summary>Someone else drives the session from now on (its coordinator's lease ran out); saved before its first step.</summary>
    public void TakeOver(string coordinator)
    {
        RestoreLog.TakenOver(_logger, Id, coordinator, _record.Coordinator ?? "nobody");
        _record.Coordinator = coordinator;
        Heard();
        Save();
    }

    /// <summary>The session as it stands, for <c>state</c>, <c>status</c> and a recovery.</summary>
    public SessionState State() => StateOf(_record, LeaseLeft, _runningNow);

    public static SessionState StateOf(SessionRecord record, TimeSpan leaseLeft = default, RestorePhase? running = null) => new()
    {
        Session = record.Id, Outcome = record.Outcome, Snapshot = Path.GetFileName(record.Snapshot), Sha256 = record.Sha256,
        Coordinator = record.Coordinator, OpenedAt = record.OpenedAt, Done = [.. record.Done], Running = running, Failed = record.Failed,
        LeaseSecondsLeft = record.Outcome == SessionOutcome.Open ? (int)Math.Ceiling(leaseLeft.TotalSeconds) : 0,
    };

    /// <summary>Runs one phase of a cluster restore, recorded before it starts and after it ends.</summary>
    public async Task<T> PhaseAsync<T>(RestorePhase phase, Func<Task<T>> run)
    {
        _runningNow = phase;
        _record.Running = phase;
        var ok = false;
        try
        {
            // Inside the try: a record that cannot be written fails the phase and clears what runs now, so the
            // lease is not held for a step that never started.
            Save();
            var result = await run();
            ok = true;
            return result;
        }
        finally
        {
            _runningNow = null;
            _record.Running = null;
            if (ok)
            {
                _record.Done.Add(phase);
            }
            else
            {
                _record.Failed = phase;
            }

            Heard();
            Save();
        }
    }

    /// <summary>
    /// The snapshot's trailer and, when given, its SHA-256 (a cluster restore needs the same file on
    /// every member); this member's parameters. Nothing is stopped before this passes; a cluster
    /// session is written to the state directory once it has.
    /// </summary>
    public Task<string> CheckAsync(string? expectedSha256, string? coordinator, CancellationToken cancellationToken) => RunStepAsync("check the snapshot", async () =>
    {
        var snapshot = _record.Snapshot;
        if (!File.Exists(snapshot))
        {
            throw new InvalidOperationException($"'{snapshot}' does not exist; nothing was stopped");
        }

        var (trailerOk, sha256) = EtcdTrailer.Check(snapshot, cancellationToken);
        if (!trailerOk)
        {
            throw new InvalidOperationException($"'{snapshot}' fails etcd's SHA-256 trailer check; nothing was stopped");
        }

        if (expectedSha256 is not null && !string.Equals(sha256, expectedSha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"'{snapshot}' has SHA-256 {sha256}, not the {expectedSha256} being restored; nothing was stopped");
        }

        PlanHere();
        _record.IsLeader = await LeadsAsync(cancellationToken);
        (_record.Sha256, _record.Coordinator, _record.MemberName, _record.Command) = (sha256, coordinator, Member!.Name.Value, string.Join(' ', Command!));
        _record.Done.Add(RestorePhase.Check);
        Done($"checked {snapshot} (SHA-256 {sha256[..12]}...); member {Member.Name.Value} ({Member.Name.Source}), data directory {Member.DataDir.Value} ({Member.DataDir.Source})");
        return sha256;
    });

    /// <summary>This member's parameters and command; again after a restart (they are derived, not saved).</summary>
    private void PlanHere()
    {
        var (member, command, problems) = _options.Plan(_record.Snapshot, _session);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException(string.Join("; ", problems) + "; nothing was stopped");
        }

        Member = member;
        Command = command;
    }

    private async Task<bool?> LeadsAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await EtcdConnection.ConnectAsync(Own(), _logger, cancellationToken);
            return connection.Status.Leader != 0 ? connection.Status.Leader == connection.Status.Header.MemberId : null;
        }
        catch (Exception e) when (e is EtcdException or RpcException)
        {
            return null;
        }
    }

    /// <summary>This member's own etcd: the first of <c>Etcd.Endpoints</c>, with a short dial timeout.</summary>
    private EtcdOptions Own() => new EtcdOptions
    {
        Endpoints = [_etcd.Endpoints[0]], CaFile = _etcd.CaFile, CertFile = _etcd.CertFile, KeyFile = _etcd.KeyFile,
    }.WithDialTimeout(TimeSpan.FromSeconds(2));

    public async Task StopApiServersAsync(CancellationToken cancellationToken)
    {
        foreach (var api in _options.ApiServerUnits)
        {
            await RunStepAsync($"stop {api}", async () =>
            {
                if (await _services.MayRunAsync(api, cancellationToken))
                {
                    // The undo first: a stop cut short (a deadline, a crash) may still stop the unit.
                    PushUndo(new UndoStep(UndoKind.StartUnit, $"start {api}", Unit: api));
                    await _services.StopAsync(api, cancellationToken);
                    Done($"stop {api}");
                }
                else
                {
                    Done($"{api} was not running");
                }
            });
        }
    }

    public Task StopEtcdAsync(CancellationToken cancellationToken) => RunStepAsync($"stop {_options.EtcdUnit}", async () =>
    {
        // The undo first: a stop cut short (a deadline, a crash) may still stop etcd, which a rollback must start again.
        _record.EtcdStopped = true;
        PushUndo(new UndoStep(UndoKind.StartUnit, $"start {_options.EtcdUnit}", Unit: _options.EtcdUnit));
        await _services.StopAsync(_options.EtcdUnit, cancellationToken);
        Done($"stop {_options.EtcdUnit}");
    });

    /// <summary>
    /// Moves the data directory aside (never deleted), runs etcd's own restore tool, gives the new directory
    /// the old one's owner and mode, or, with no old one, the owner the etcd unit runs as.
    /// </summary>
    public async Task RestoreDataAsync(CancellationToken cancellationToken)
    {
        if (Member is null && _record.Done.Contains(RestorePhase.Check))
        {
            PlanHere();
        }

        if (Member is not { } member || Command is not { } command)
        {
            throw new InvalidOperationException("the snapshot was not checked first");
        }

        var dataDir = member.Data;
        var walDir = member.SeparateWalDir;
        RefuseIfNoLongerMounted(dataDir, member.DataMounted);
        if (walDir is not null)
        {
            RefuseIfNoLongerMounted(walDir, member.WalMounted);
        }

        await MoveOldAsideAsync(dataDir, DataSlot, member.DataMounted);
        if (walDir is not null)
        {
            await MoveOldAsideAsync(walDir, WalSlot, member.WalMounted);
        }

        await RunStepAsync(string.Join(' ', command), async () =>
        {
            var result = await Shell.RunAsync(command[0], [.. command.Skip(1)], new Dictionary<string, string> { ["ETCDCTL_API"] = "3" }, cancellationToken);
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"exited {result.ExitCode}: {LastLines(result.Output)}");
            }

            Done($"restored: {string.Join(' ', command)}");
        });

        await SettleAsync(dataDir, member.DataMounted, OldDataDir, cancellationToken);
        if (walDir is not null)
        {
            // A new WAL directory takes the old WAL's owner, else the old data's, else the unit's User=.
            var dataOwner = member.DataMounted ? MountOwner(dataDir, OldDataDir) : OldDataDir;
            await SettleAsync(walDir, member.WalMounted, _record.OldWalDir ?? dataOwner, cancellationToken);
        }
    }

    /// <summary>
    /// Starts etcd without waiting: a member of a restored cluster has no leader until enough of the
    /// others start too. An etcd already running is left alone: a recovery may ask again.
    /// </summary>
    public Task StartEtcdAsync(CancellationToken cancellationToken) => StartAsync(_options.EtcdUnit, cancellationToken);

    /// <summary>Waits until this member's etcd (the first of <c>Etcd.Endpoints</c>) answers and has a leader.</summary>
    public Task<StatusResponse> WaitHealthyAsync(CancellationToken cancellationToken) => RunStepAsync($"wait until {_options.EtcdUnit} is healthy", async () =>
    {
        // Measured on the monotonic clock: a wall clock stepped back (NTP after a restart) would stretch the wait
        // past the coordinator's own deadline, and the step would hold the session with a full lease meanwhile.
        var started = _time.GetTimestamp();
        bool Late() => _time.GetElapsedTime(started) >= _options.HealthTimeout;
        var own = Own();
        while (true)
        {
            try
            {
                await using var connection = await EtcdConnection.ConnectAsync(own, _logger, cancellationToken);
                if (connection.Status.Leader != 0)
                {
                    Done($"{_options.EtcdUnit} is healthy: member {connection.Status.Header.MemberId:x}, leader {connection.Status.Leader:x}, cluster {connection.Status.Header.ClusterId:x}");
                    return connection.Status;
                }
            }
            catch (Exception e) when (e is EtcdException or RpcException && !Late())
            {
            }

            if (Late())
            {
                throw new TimeoutException($"etcd did not become healthy within Restore.HealthTimeoutSeconds ({_options.HealthTimeout.TotalSeconds:F0} s)");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), _time, cancellationToken);
        }
    });

    /// <summary>
    /// Starts the API servers on the restored data. Each start's undo, a stop, is recorded first: a rollback
    /// after this phase (another member's start-api failed, a recovery's wait failed) must stop them before
    /// etcd's old data goes back, or API servers that watched the restored revisions would watch etcd from
    /// revisions it no longer has.
    /// </summary>
    public async Task StartApiServersAsync(CancellationToken cancellationToken)
    {
        foreach (var api in _options.ApiServerUnits)
        {
            if (!_record.Undo.Any(u => u.Kind == UndoKind.StopUnit && u.Unit == api))
            {
                PushUndo(new UndoStep(UndoKind.StopUnit, $"stop {api}", Unit: api));
            }

            await StartAsync(api, cancellationToken);
        }
    }

    private Task StartAsync(string unit, CancellationToken cancellationToken) => RunStepAsync($"start {unit}", async () =>
    {
        if (await _services.IsActiveAsync(unit, cancellationToken))
        {
            Done($"{unit} is running already");
            return;
        }

        await _services.StartAsync(unit, cancellationToken);
        Done($"start {unit}");
    });

    /// <summary>
    /// Undoes every step taken, last first, whatever the cause (a failure, a cancelled request, another
    /// member's failure, a recovery after a restart): the old data directory back in place and the
    /// services started again. Every undo step is tried whatever the ones before it threw; the state
    /// says whether all of them held. Each one done is saved, so a rollback cut short goes on from there.
    /// </summary>
    public async Task<RollbackState> RollBackAsync()
    {
        // Recorded as running, so a daemon killed in the middle reloads the session as a rollback cut short ('rollback'
        // failed): its phases done still include restore-data, and a recovery must not take it for restored and finish it.
        _runningNow = RestorePhase.Rollback;
        _record.Running = RestorePhase.Rollback;
        KeepGoing(Save);
        bool complete;
        try
        {
            complete = await UndoAllAsync();
        }
        finally
        {
            _runningNow = null;
            _record.Running = null;
        }

        KeepGoing(() => Close(complete ? SessionOutcome.RolledBack : SessionOutcome.RollbackIncomplete));
        _onStep?.Invoke("rolled back");
        return complete ? RollbackState.Complete : RollbackState.Incomplete;
    }

    /// <summary>Every undo step, in the order <see cref="RollBackAsync"/> gives; whether all of them held.</summary>
    private async Task<bool> UndoAllAsync()
    {
        var complete = true;
        // The API servers started on the restored data stop first (their stops are the last undo steps pushed).
        while (_record.Undo.Count > 0 && _record.Undo[^1].Kind == UndoKind.StopUnit)
        {
            complete &= await UndoLastAsync();
        }

        var etcdHeld = true;
        if (_record.EtcdStopped)
        {
            // A half-restored etcd must not hold the data directory while the old one goes back.
            etcdHeld = await TryUndoAsync($"stop {_options.EtcdUnit} before the old data goes back", () => StopIfActiveAsync(_options.EtcdUnit));
            complete &= etcdHeld;
        }

        while (_record.Undo.Count > 0)
        {
            complete &= etcdHeld || _record.Undo[^1].Kind is not (UndoKind.MoveBack or UndoKind.MoveAside or UndoKind.ContentsBack)
                ? await UndoLastAsync()
                : LeaveUndone($"{_options.EtcdUnit} could not be stopped, and renaming the directories under a running etcd would mix its new writes into the old data");
        }

        return complete;
    }

    /// <summary>The last undo step, recorded as not done and why; false, as the rollback is then incomplete.</summary>
    private bool LeaveUndone(string why)
    {
        var step = _record.Undo[^1];
        _record.Steps.Add($"NOT ROLLED BACK: {step.What}: {why}");
        RestoreLog.RollbackFailed(_logger, step.What, why);
        _record.Undo.RemoveAt(_record.Undo.Count - 1);
        KeepGoing(Save);
        return false;
    }

    private async Task<bool> UndoLastAsync()
    {
        var step = _record.Undo[^1];
        var held = await TryUndoAsync(step.What, () => UndoAsync(step));
        _record.Undo.RemoveAt(_record.Undo.Count - 1);
        KeepGoing(Save);
        return held;
    }

    /// <summary>
    /// A record that cannot be written during a rollback or at the session's end (State.Directory full or
    /// read-only, likely after a restore wrote a second copy of etcd's data beside the first) must not cut
    /// the undo short nor leave the session held: etcd back on its old data and running matters more than
    /// the record of it, which the store keeps and writes when the directory takes it (<see cref="SessionStore"/>).
    /// </summary>
    private void KeepGoing(Action save)
    {
        try
        {
            save();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var what = $"the session's record could not be written ({e.Message}); this process keeps its closing and writes it when State.Directory takes it";
            if (!_record.Steps.Contains(what))
            {
                _record.Steps.Add(what);
                _onStep?.Invoke(what);
            }
        }
    }

    /// <summary>Closes the session after a restore that succeeded everywhere: the restored data stays.</summary>
    public void Finish() => KeepGoing(() => Close(SessionOutcome.Finished));

    private void Close(SessionOutcome outcome)
    {
        _record.Outcome = outcome;
        _record.ClosedAt = _time.GetUtcNow();
        Save();
    }

    private Task UndoAsync(UndoStep step) => step.Kind switch
    {
        UndoKind.StartUnit => _services.StartAsync(step.Unit!, CancellationToken.None),
        UndoKind.MoveBack => Task.Run(() => MoveBack(step.DataDir!, step.OldDir!)),
        UndoKind.StopUnit => StopIfActiveAsync(step.Unit!),
        UndoKind.MoveAside => Task.Run(() => MoveAside(step.DataDir!, step.OldDir!)),
        UndoKind.ContentsBack => Task.Run(() => ContentsBack(step.DataDir!, step.OldDir!,
            step.Names ?? throw new InvalidOperationException($"the record of '{step.What}' names nothing it moved: put back by hand"))),
        _ => throw new InvalidOperationException($"unknown undo step {step.Kind}"),
    };

    private async Task StopIfActiveAsync(string unit)
    {
        // Not only when active: an etcd still starting has its data open, and the old data goes back next.
        if (await _services.MayRunAsync(unit, CancellationToken.None))
        {
            await _services.StopAsync(unit, CancellationToken.None);
        }
    }

    /// <summary>One undo step; any exception is recorded as its failure, never thrown: the next step must still run.</summary>
    private async Task<bool> TryUndoAsync(string what, Func<Task> action)
    {
        try
        {
            await action();
            _record.Steps.Add("rolled back: " + what);
            RestoreLog.RolledBack(_logger, what);
            return true;
        }
#pragma warning disable CA1031 // The last-resort path: whatever one undo step throws, the others must run.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _record.Steps.Add($"ROLLBACK FAILED: {what}: {e.Message}");
            RestoreLog.RollbackFailed(_logger, what, e.Message);
            return false;
        }
    }

    public RestoreReport Report(Exception? failure) =>
        new(failure is null, [.. _record.Steps], failure is null ? null : Step, failure?.Message, OldDataDir, OldWalDir);

    /// <summary>Runs one step; a failure is logged with the step's name, which stays in <see cref="Step"/>.</summary>
    private async Task RunStepAsync(string step, Func<Task> action)
    {
        Step = step;
        try
        {
            await action();
        }
        catch (Exception e)
        {
            RestoreLog.Failed(_logger, step, e.Message);
            throw;
        }
    }

    private async Task<T> RunStepAsync<T>(string step, Func<Task<T>> action)
    {
        T result = default!;
        // A block body: as an expression the lambda would return T and call this overload again.
        await RunStepAsync(step, async () => { result = await action(); });
        return result;
    }

    private void PushUndo(UndoStep step)
    {
        _record.Undo.Add(step);
        Save();
    }

    private void Done(string what)
    {
        _record.Steps.Add(what);
        Save();
        RestoreLog.Step(_logger, what);
        _onStep?.Invoke(what);
    }

    /// <summary>Write-ahead: a cluster session is saved once its check has passed, before and after every step.</summary>
    private void Save()
    {
        if (_store is not null && _record.Done.Count > 0)
        {
            _store.Save(_record);
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static async Task MustAsync(string program, string[] arguments, CancellationToken cancellationToken)
    {
        var result = await Shell.RunAsync(program, arguments, null, cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} exited {result.ExitCode}: {LastLines(result.Output)}");
        }
    }

    private static string LastLines(string output) => string.Join(" | ", output.Trim().Split('\n').TakeLast(3));
}
