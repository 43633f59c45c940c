using EtcdBackupd.Etcd;
using EtcdBackupd.Snapshots;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace EtcdBackupd.Restore;

/// <summary>The outcome of a restore: every step with its result, and where the old data now is.</summary>
internal sealed record RestoreReport(bool Ok, IReadOnlyList<string> Steps, string? FailedStep, string? Error, string? OldDataDir);

/// <summary>
/// The runbook's restore on this member, in its order: check the snapshot before anything stops; stop
/// the API servers, then etcd; move the data directory aside (never deleted); run etcd's own restore
/// tool with this member's parameters; give the new directory the old one's owner and mode; start etcd
/// and wait until it is healthy; start the API servers. A failing step undoes the ones before it.
/// </summary>
internal sealed class LocalRestore(RestoreOptions options, EtcdOptions etcd, IServiceControl services, TimeProvider time, ILogger logger) : IDisposable
{
    private readonly SemaphoreSlim _one = new(1, 1);

    /// <summary>What a restore would do, changing nothing: the member's parameters with their sources and the exact command.</summary>
    public (MemberParameters Member, IReadOnlyList<string> Command, IReadOnlyList<string> Problems) Plan(string snapshot)
    {
        var problems = new List<string>();
        var unitPath = options.UnitPath();
        var unit = File.Exists(unitPath) ? EtcdUnit.Read(unitPath, p => File.Exists(p) ? File.ReadAllText(p) : null) : null;
        var member = MemberParameters.Resolve(options.Parameters, unit, problems);
        return (member, member.RestoreCommand(options.Tool, snapshot, member.DataDir.Value.TrimEnd('/'), options.BumpRevision), problems);
    }

    /// <summary>One restore at a time on this member.</summary>
    public async Task<RestoreReport> RunExclusiveAsync(string snapshot, Action<string>? onStep, CancellationToken cancellationToken)
    {
        if (!await _one.WaitAsync(0, cancellationToken))
        {
            return new RestoreReport(false, [], "start", "another restore is running on this member", null);
        }

        try
        {
            return await RunAsync(snapshot, onStep, cancellationToken);
        }
        finally
        {
            _one.Release();
        }
    }

    public async Task<RestoreReport> RunAsync(string snapshot, Action<string>? onStep, CancellationToken cancellationToken)
    {
        var steps = new List<string>();
        var undo = new Stack<(string What, Func<Task> Action)>();
        string? oldDir = null;
        var etcdStopped = false;
        var step = "check the snapshot";
        void Done(string what)
        {
            steps.Add(what);
            RestoreLog.Step(logger, what);
            onStep?.Invoke(what);
        }

        try
        {
            var (trailerOk, _) = EtcdTrailer.Check(snapshot, cancellationToken);
            if (!trailerOk)
            {
                throw new InvalidOperationException($"'{snapshot}' fails etcd's SHA-256 trailer check; nothing was stopped");
            }

            var (member, _, problems) = Plan(snapshot);
            if (problems.Count > 0)
            {
                throw new InvalidOperationException(string.Join("; ", problems) + "; nothing was stopped");
            }

            Done($"checked {snapshot}; member {member.Name.Value} ({member.Name.Source}), data directory {member.DataDir.Value} ({member.DataDir.Source})");
            foreach (var api in options.ApiServerUnits)
            {
                step = $"stop {api}";
                if (await services.IsActiveAsync(api, cancellationToken))
                {
                    await services.StopAsync(api, cancellationToken);
                    undo.Push(($"start {api}", () => services.StartAsync(api, CancellationToken.None)));
                }

                Done(step);
            }

            step = $"stop {options.EtcdUnit}";
            await services.StopAsync(options.EtcdUnit, cancellationToken);
            etcdStopped = true;
            undo.Push(($"start {options.EtcdUnit}", () => services.StartAsync(options.EtcdUnit, CancellationToken.None)));
            Done(step);

            var dataDir = member.DataDir.Value.TrimEnd('/');
            step = $"move {dataDir} aside";
            if (Directory.Exists(dataDir))
            {
                oldDir = $"{dataDir}.before-restore-{time.GetUtcNow():yyyyMMddTHHmmssZ}";
                Directory.Move(dataDir, oldDir);
                var movedTo = oldDir;
                undo.Push(($"move {movedTo} back", () => { MoveBack(dataDir, movedTo); return Task.CompletedTask; }));
                Done($"moved {dataDir} to {oldDir}");
            }
            else
            {
                Done($"{dataDir} does not exist; nothing to move aside");
            }

            var command = member.RestoreCommand(options.Tool, snapshot, dataDir, options.BumpRevision);
            step = string.Join(' ', command);
            var result = await Shell.RunAsync(command[0], [.. command.Skip(1)], new Dictionary<string, string> { ["ETCDCTL_API"] = "3" }, cancellationToken);
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"exited {result.ExitCode}: {LastLines(result.Output)}");
            }

            Done($"restored: {step}");
            if (oldDir is not null)
            {
                step = $"give {dataDir} the owner and mode of {oldDir}";
                await MustAsync("chown", ["-R", $"--reference={oldDir}", dataDir], cancellationToken);
                await MustAsync("chmod", [$"--reference={oldDir}", dataDir], cancellationToken);
                Done(step);
            }

            step = $"start {options.EtcdUnit} and wait until it is healthy";
            await services.StartAsync(options.EtcdUnit, cancellationToken);
            await WaitHealthyAsync(cancellationToken);
            Done(step);
            foreach (var api in options.ApiServerUnits)
            {
                step = $"start {api}";
                await services.StartAsync(api, cancellationToken);
                Done(step);
            }

            return new RestoreReport(true, steps, null, null, oldDir);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            RestoreLog.Failed(logger, step, e.Message);
            await RollBackAsync(undo, steps, etcdStopped ? options.EtcdUnit : null);
            return new RestoreReport(false, steps, step, e.Message, oldDir);
        }
    }

    /// <param name="undo">What was done, last first.</param>
    /// <param name="steps">The report's steps, extended with the rollback's.</param>
    /// <param name="stoppedEtcd">The etcd unit when this restore stopped it (a restored etcd may run again since).</param>
    private async Task RollBackAsync(Stack<(string What, Func<Task> Action)> undo, List<string> steps, string? stoppedEtcd)
    {
        if (stoppedEtcd is not null && await services.IsActiveAsync(stoppedEtcd, CancellationToken.None))
        {
            // A half-restored etcd must not hold the data directory while the old one goes back.
            await services.StopAsync(stoppedEtcd, CancellationToken.None);
        }

        while (undo.TryPop(out var action))
        {
            try
            {
                await action.Action();
                steps.Add("rolled back: " + action.What);
                RestoreLog.RolledBack(logger, action.What);
            }
            catch (Exception e) when (e is InvalidOperationException or IOException)
            {
                steps.Add($"ROLLBACK FAILED: {action.What}: {e.Message}");
                RestoreLog.RollbackFailed(logger, action.What, e.Message);
            }
        }
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

    private async Task WaitHealthyAsync(CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + options.HealthTimeout;
        var quick = etcd.WithDialTimeout(TimeSpan.FromSeconds(2));
        while (true)
        {
            try
            {
                await using var connection = await EtcdConnection.ConnectAsync(quick, logger, cancellationToken);
                if (connection.Status.Leader != 0)
                {
                    return;
                }
            }
            catch (Exception e) when (e is EtcdException or RpcException && time.GetUtcNow() < deadline)
            {
            }

            if (time.GetUtcNow() >= deadline)
            {
                throw new TimeoutException($"etcd did not become healthy within Restore.HealthTimeoutSeconds ({options.HealthTimeout.TotalSeconds:F0} s)");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), time, cancellationToken);
        }
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

    public void Dispose() => _one.Dispose();
}
