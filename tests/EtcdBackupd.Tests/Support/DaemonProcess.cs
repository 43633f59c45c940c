using System.Diagnostics;

namespace EtcdBackupd.Tests.Support;

/// <summary>The etcd-backupd daemon as a process, stopped with SIGTERM as systemd stops it.</summary>
internal sealed class DaemonProcess : IAsyncDisposable
{
    private readonly Process _process;

    private DaemonProcess(Process process, string logFile)
    {
        _process = process;
        LogFile = logFile;
    }

    public string LogFile { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Log => File.Exists(LogFile) ? File.ReadAllText(LogFile) : "";

    /// <summary>
    /// The daemon with <paramref name="configFile"/>, its output in <paramref name="logFile"/>: the one this
    /// build made, on the JIT, or <paramref name="program"/>, another build such as the Native AOT binary
    /// from a package. <paramref name="environment"/>: more variables for it.
    /// </summary>
    public static DaemonProcess Start(string configFile, string logFile, IDictionary<string, string>? environment = null, string? program = null)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "etcd-backupd.dll");
        var process = program is null
            ? ProcessRunner.StartBackground("dotnet", [dll, "--config", configFile], logFile, environment)
            : ProcessRunner.StartBackground(program, ["--config", configFile], logFile, environment);
        return new DaemonProcess(process, logFile);
    }

    /// <summary>SIGTERM, then the exit code; fails the test if the daemon outlives <paramref name="within"/>.</summary>
    public async Task<int> TerminateAsync(TimeSpan within)
    {
        if (!_process.HasExited)
        {
            await ProcessRunner.RunAsync("kill", ["-TERM", _process.Id.ToString()]);
        }

        using var timeout = new CancellationTokenSource(within);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"etcd-backupd did not exit within {within} of SIGTERM:\n{Log}");
        }

        return _process.ExitCode;
    }

    public Task WaitForLogAsync(string text, TimeSpan within) => Eventually.UntilAsync(() =>
        {
            if (Log.Contains(text, StringComparison.Ordinal))
            {
                return true;
            }

            if (_process.HasExited)
            {
                Assert.Fail($"etcd-backupd exited without logging '{text}':\n{Log}");
            }

            return false;
        },
        within, () => $"etcd-backupd to log '{text}':\n{Log}");

    public ValueTask DisposeAsync()
    {
        ProcessRunner.Kill(_process);
        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
