using System.Collections.Concurrent;
using System.Diagnostics;

namespace EtcdBackupd.Tests.Support;

internal sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}";
}

/// <summary>Runs programs as an operator would, and makes sure every process a test starts is ended.</summary>
internal static class ProcessRunner
{
    private static readonly ConcurrentDictionary<int, Process> Started = new();

    static ProcessRunner()
    {
        // A safety net for a test that failed before its own clean-up ran.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
    }

    public static async Task<ProcessResult> RunAsync(
        string fileName, IEnumerable<string> arguments, IDictionary<string, string>? environment = null,
        TimeSpan? timeout = null)
    {
        using var process = Start(fileName, arguments, environment, redirect: true);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish in time");
        }
        finally
        {
            Started.TryRemove(process.Id, out _);
        }

        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts a long-running process whose output goes to <paramref name="logFile"/>.</summary>
    public static Process StartBackground(string fileName, IEnumerable<string> arguments, string logFile,
        IDictionary<string, string>? environment = null)
    {
        var process = Start(fileName, arguments, environment, redirect: true);
        var log = new StreamWriter(logFile, append: true) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => { Started.TryRemove(process.Id, out _); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        Started.TryRemove(process.Id, out _);
    }

    private static Process Start(string fileName, IEnumerable<string> arguments, IDictionary<string, string>? environment, bool redirect)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = redirect,
            RedirectStandardError = redirect,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {fileName}");
        Started[process.Id] = process;
        return process;
    }

    private static void KillAll()
    {
        foreach (var process in Started.Values)
        {
            Kill(process);
        }
    }
}
