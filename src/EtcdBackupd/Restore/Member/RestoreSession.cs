using EtcdBackupd.Etcd;
using EtcdBackupd.Etcd.Protocol;
using Grpc.Core;

namespace EtcdBackupd.Restore;

/// <summary>The outcome of a restore: every step with its result, and where the old data now is.</summary>
internal sealed record RestoreReport(bool Ok, IReadOnlyList<string> Steps, string? FailedStep, string? Error, string? OldDataDir);

/// <summary>
/// One member's restore of one snapshot, as separate steps in the runbook's order, remembering what to
/// undo. A local restore runs the steps back to back; a cluster restore runs each step on every member
/// before the next (a barrier), so the session outlives a single request.
/// </summary>
/// <remarks>A cluster restore passes its session: this member then takes the restore's new cluster identity (<see cref="RestoreIdentity"/>).</remarks>
internal sealed class RestoreSession(
    string snapshot, RestoreOptions options, EtcdOptions etcd, IServiceControl services, TimeProvider time, ILogger logger, Action<string>? onStep,
    string? session = null)
{
    private readonly Stack<(string What, Func<Task> Action)> _undo = new();

    /// <summary>One step at a time: a rollback sent while a step still runs (its coordinator gave up waiting) waits for it.</summary>
    public SemaphoreSlim Turn { get; } = new(1, 1);
    private readonly List<string> _steps = [];
    private bool _etcdStopped;

    public string Snapshot => snapshot;

    /// <summary>The step running, or the last one; the failed one after an error.</summary>
    public string Step { get; private set; } = "check the snapshot";

    public MemberParameters? Member { get; private set; }

    /// <summary>etcd's restore command for this member, as the check resolved it.</summary>
    public IReadOnlyList<string>? Command { get; private set; }

    public string? OldDataDir { get; private set; }

    public IReadOnlyList<string> Steps => _steps;

    /// <summary>
    /// The snapshot's trailer and, when given, its SHA-256 (a cluster restore needs the same file on
    /// every member); this member's parameters. Nothing is stopped before this passes.
    /// </summary>
    public Task<string> CheckAsync(string? expectedSha256, CancellationToken cancellationToken) => RunStepAsync("check the snapshot", async () =>
    {
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

        var (member, command, problems) = options.Plan(snapshot, session);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException(string.Join("; ", problems) + "; nothing was stopped");
        }

        Member = member;
        Command = command;
        IsLeader = await LeadsAsync(cancellationToken);
        Done($"checked {snapshot} (SHA-256 {sha256[..12]}...); member {member.Name.Value} ({member.Name.Source}), data directory {member.DataDir.Value} ({member.DataDir.Source})");
        return sha256;
    });

    /// <summary>Whether this member's etcd led the cluster when checked; null when it did not answer (its data may be gone).</summary>
    public bool? IsLeader { get; private set; }

    private async Task<bool?> LeadsAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await EtcdConnection.ConnectAsync(Own(), logger, cancellationToken);
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
        Endpoints = [etcd.Endpoints[0]], CaFile = etcd.CaFile, CertFile = etcd.CertFile, KeyFile = etcd.KeyFile,
    }.WithDialTimeout(TimeSpan.FromSeconds(2));

    public async Task StopApiServersAsync(CancellationToken cancellationToken)
    {
        foreach (var api in options.ApiServerUnits)
        {
            await RunStepAsync($"stop {api}", async () =>
            {
                if (await services.IsActiveAsync(api, cancellationToken))
                {
                    // The undo first: a stop cut short (a deadline) may still stop the unit.
                    _undo.Push(($"start {api}", () => services.StartAsync(api, CancellationToken.None)));
                    await services.StopAsync(api, cancellationToken);
                    Done($"stop {api}");
                }
                else
                {
                    Done($"{api} was not running");
                }
            });
        }
    }

    public Task StopEtcdAsync(CancellationToken cancellationToken) => RunStepAsync($"stop {options.EtcdUnit}", async () =>
    {
        // The undo first: a stop cut short (a deadline) may still stop etcd, which a rollback must start again.
        _etcdStopped = true;
        _undo.Push(($"start {options.EtcdUnit}", () => services.StartAsync(options.EtcdUnit, CancellationToken.None)));
        await services.StopAsync(options.EtcdUnit, cancellationToken);
        Done($"stop {options.EtcdUnit}");
    });

    /// <summary>Moves the data directory aside (never deleted), runs etcd's own restore tool, gives the new directory the old one's owner and mode.</summary>
    public async Task RestoreDataAsync(CancellationToken cancellationToken)
    {
        if (Member is not { } member || Command is not { } command)
        {
            throw new InvalidOperationException("the snapshot was not checked first");
        }

        var dataDir = member.DataDir.Value.TrimEnd('/');
        await RunStepAsync($"move {dataDir} aside", () =>
        {
            if (Directory.Exists(dataDir))
            {
                var oldDir = $"{dataDir}.before-restore-{time.GetUtcNow():yyyyMMddTHHmmssZ}";
                Directory.Move(dataDir, oldDir);
                OldDataDir = oldDir;
                _undo.Push(($"move {oldDir} back", () => { MoveBack(dataDir, oldDir); return Task.CompletedTask; }));
                Done($"moved {dataDir} to {oldDir}");
            }
            else
            {
                Done($"{dataDir} does not exist; nothing to move aside");
            }

            return Task.CompletedTask;
        });

        await RunStepAsync(string.Join(' ', command), async () =>
        {
            var result = await Shell.RunAsync(command[0], [.. command.Skip(1)], new Dictionary<string, string> { ["ETCDCTL_API"] = "3" }, cancellationToken);
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"exited {result.ExitCode}: {LastLines(result.Output)}");
            }

            Done($"restored: {string.Join(' ', command)}");
        });

        if (OldDataDir is { } old)
        {
            await RunStepAsync($"give {dataDir} the owner and mode of {old}", async () =>
            {
                await MustAsync("chown", ["-R", $"--reference={old}", dataDir], cancellationToken);
                await MustAsync("chmod", [$"--reference={old}", dataDir], cancellationToken);
                Done($"give {dataDir} the owner and mode of {old}");
            });
        }
    }

    /// <summary>Starts etcd without waiting: a member of a restored cluster has no leader until enough of the others start too.</summary>
    public Task StartEtcdAsync(CancellationToken cancellationToken) => RunStepAsync($"start {options.EtcdUnit}", async () =>
    {
        await services.StartAsync(options.EtcdUnit, cancellationToken);
        Done($"start {options.EtcdUnit}");
    });

    /// <summary>Waits until this member's etcd (the first of <c>Etcd.Endpoints</c>) answers and has a leader.</summary>
    public Task<StatusResponse> WaitHealthyAsync(CancellationToken cancellationToken) => RunStepAsync($"wait until {options.EtcdUnit} is healthy", async () =>
    {
        var deadline = time.GetUtcNow() + options.HealthTimeout;
        var own = Own();
        while (true)
        {
            try
            {
                await using var connection = await EtcdConnection.ConnectAsync(own, logger, cancellationToken);
                if (connection.Status.Leader != 0)
                {
                    Done($"{options.EtcdUnit} is healthy: member {connection.Status.Header.MemberId:x}, leader {connection.Status.Leader:x}, cluster {connection.Status.Header.ClusterId:x}");
                    return connection.Status;
                }
            }
            catch (Exception e) when (e is EtcdException or RpcException && time.GetUtcNow() < deadline)
            {
            }

            if (time.GetUtcNow() >= deadline)
            {
                throw new TimeoutException($"etcd did not become healthy within Restore.HealthTimeoutSeconds ({options.HealthTimeout.TotalSeconds:F0} s)");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), time, cancellationToken);
        }
    });

    public async Task StartApiServersAsync(CancellationToken cancellationToken)
    {
        foreach (var api in options.ApiServerUnits)
        {
            await RunStepAsync($"start {api}", async () =>
            {
                await services.StartAsync(api, cancellationToken);
                Done($"start {api}");
            });
        }
    }

    /// <summary>
    /// Undoes every step taken, last first, whatever the cause (a failure, a cancelled request, another
    /// member's failure): the old data directory back in place and the services started again. Every
    /// undo step is tried whatever the ones before it threw; the state says whether all of them held.
    /// </summary>
    public async Task<RollbackState> RollBackAsync()
    {
        var complete = true;
        if (_etcdStopped)
        {
            // A half-restored etcd must not hold the data directory while the old one goes back.
            complete &= await TryUndoAsync($"stop {options.EtcdUnit} before the old data goes back", async () =>
            {
                if (await services.IsActiveAsync(options.EtcdUnit, CancellationToken.None))
                {
                    await services.StopAsync(options.EtcdUnit, CancellationToken.None);
                }
            });
        }

        while (_undo.TryPop(out var action))
        {
            complete &= await TryUndoAsync(action.What, action.Action);
        }

        onStep?.Invoke("rolled back");
        return complete ? RollbackState.Complete : RollbackState.Incomplete;
    }

    /// <summary>One undo step; any exception is recorded as its failure, never thrown: the next step must still run.</summary>
    private async Task<bool> TryUndoAsync(string what, Func<Task> action)
    {
        try
        {
            await action();
            _steps.Add("rolled back: " + what);
            RestoreLog.RolledBack(logger, what);
            return true;
        }
#pragma warning disable CA1031 // The last-resort path: whatever one undo step throws, the others must run.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _steps.Add($"ROLLBACK FAILED: {what}: {e.Message}");
            RestoreLog.RollbackFailed(logger, what, e.Message);
            return false;
        }
    }

    public RestoreReport Report(Exception? failure) =>
        new(failure is null, [.. _steps], failure is null ? null : Step, failure?.Message, OldDataDir);

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
            RestoreLog.Failed(logger, step, e.Message);
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

    private void Done(string what)
    {
        _steps.Add(what);
        RestoreLog.Step(logger, what);
        onStep?.Invoke(what);
    }

    private static void MoveBack(string dataDir, string oldDir)
    {
        if (Directory.Exists(dataDir))
        {
            // What the failed restore wrote: kept beside the old data, not deleted.
            Directory.Move(dataDir, dataDir + ".failed-restore-" + Path.GetFileName(oldDir).Split("before-restore-")[^1]);
        }

        Directory.Move(oldDir, dataDir);
    }

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
