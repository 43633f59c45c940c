using System.Diagnostics;

namespace EtcdBackupd.Restore;

/// <summary>Stops, starts and asks about the units a restore touches.</summary>
internal interface IServiceControl
{
    Task StopAsync(string unit, CancellationToken cancellationToken);

    Task StartAsync(string unit, CancellationToken cancellationToken);

    /// <summary>Whether the unit is up (a start may be skipped): active or reloading.</summary>
    Task<bool> IsActiveAsync(string unit, CancellationToken cancellationToken);

    /// <summary>
    /// Whether the unit may have a process, so a stop must not be skipped: up, or on its way up or down
    /// (an etcd of <c>Type=notify</c> waiting for its peers is <c>activating</c> with its data open; a
    /// crash-looping API server is <c>activating</c> between restarts).
    /// </summary>
    Task<bool> MayRunAsync(string unit, CancellationToken cancellationToken);
}

/// <summary>Shell commands per unit (<c>Restore.Commands</c>), for hosts that run etcd without systemd, and the tests.</summary>
internal sealed class CommandServiceControl(IReadOnlyDictionary<string, UnitCommands> commands) : IServiceControl
{
    public Task StopAsync(string unit, CancellationToken cancellationToken) => MustAsync(For(unit).Stop, unit, "stop", cancellationToken);

    public Task StartAsync(string unit, CancellationToken cancellationToken) => MustAsync(For(unit).Start, unit, "start", cancellationToken);

    public async Task<bool> IsActiveAsync(string unit, CancellationToken cancellationToken) =>
        (await Shell.RunAsync(For(unit).IsActive, cancellationToken)).ExitCode == 0;

    /// <summary>The operator's one question about a unit answers both.</summary>
    public Task<bool> MayRunAsync(string unit, CancellationToken cancellationToken) => IsActiveAsync(unit, cancellationToken);

    private UnitCommands For(string unit) =>
        commands.TryGetValue(unit, out var found) ? found : throw new InvalidOperationException($"Restore.Commands has no entry for {unit}");

    private static async Task MustAsync(string command, string unit, string what, CancellationToken cancellationToken)
    {
        var result = await Shell.RunAsync(command, cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{what} {unit} ('{command}') exited {result.ExitCode}: {result.Output.Trim()}");
        }
    }
}

/// <summary>
/// <c>systemctl stop/start/is-active</c>, run without a shell: the unit name is one argument, after
/// <c>--</c>, so no quote or semicolon in it can run a command and no leading dash can pass an option.
/// </summary>
// For testing: systemctl can be a stand-in that records the arguments it is given.
internal sealed class SystemdServiceControl(string systemctl = "systemctl") : IServiceControl
{
    public Task StopAsync(string unit, CancellationToken cancellationToken) => RunAsync("stop", unit, cancellationToken);

    public Task StartAsync(string unit, CancellationToken cancellationToken) => RunAsync("start", unit, cancellationToken);

    public async Task<bool> IsActiveAsync(string unit, CancellationToken cancellationToken) =>
        (await Shell.RunAsync(systemctl, ["is-active", "--quiet", "--", unit], null, cancellationToken)).ExitCode == 0;

    /// <summary>
    /// From <c>ActiveState</c>, since <c>is-active</c> answers no for <c>activating</c> and <c>deactivating</c>:
    /// only <c>inactive</c> and <c>failed</c> have no process. A unit systemd does not know reads
    /// <c>inactive</c>; an answer that cannot be read counts as running, so the stop is sent.
    /// </summary>
    public async Task<bool> MayRunAsync(string unit, CancellationToken cancellationToken)
    {
        var result = await Shell.RunAsync(systemctl, ["show", "--property=ActiveState", "--value", "--", unit], null, cancellationToken);
        return result.ExitCode != 0 || result.StandardOutput.Trim() is not ("inactive" or "failed");
    }

    private async Task RunAsync(string verb, string unit, CancellationToken cancellationToken)
    {
        var result = await Shell.RunAsync(systemctl, [verb, "--", unit], null, cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"systemctl {verb} {unit} exited {result.ExitCode}: {result.Output.Trim()}");
        }
    }
}

/// <summary>The three commands for one unit.</summary>
internal sealed record UnitCommands(string Start, string Stop, string IsActive);

/// <summary>Runs <c>/bin/sh -c</c> or a program, output captured, cancellation honoured.</summary>
internal static class Shell
{
    /// <param name="ExitCode">The program's exit code.</param>
    /// <param name="Output">Standard output, then standard error: for messages.</param>
    /// <param name="StandardOutput">Alone: for an answer a program prints, which a warning on standard error must not change.</param>
    public sealed record Result(int ExitCode, string Output, string StandardOutput = "");

    public static Task<Result> RunAsync(string command, CancellationToken cancellationToken) =>
        RunAsync("/bin/sh", ["-c", command], null, cancellationToken);

    public static async Task<Result> RunAsync(string program, IReadOnlyList<string> arguments, IDictionary<string, string>? environment, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {program}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        try
        {
            // A start command that leaves a process behind (etcd ... &) may hand it our pipes: its exit is the answer.
            await Task.WhenAll(stdout, stderr).WaitAsync(TimeSpan.FromSeconds(2), CancellationToken.None);
            return new Result(process.ExitCode, await stdout + await stderr, await stdout);
        }
        catch (TimeoutException)
        {
            return new Result(process.ExitCode, "(output not collected: a process it started keeps the output open)");
        }
    }
}
