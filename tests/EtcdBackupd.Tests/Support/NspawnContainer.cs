using System.Diagnostics;

namespace EtcdBackupd.Tests.Support;

/// <summary>
/// A container booted with systemd as PID 1 (systemd-nspawn, from the cached root filesystem of
/// scripts/make-rootfs.sh, with a throw-away overlay). It shares the host's network, so it reaches
/// etcd members the test runs on loopback. Powered off and reaped on dispose.
/// </summary>
internal sealed class NspawnContainer : IAsyncDisposable
{
    private readonly Process _nspawn;
    private readonly ContainerCgroup _cgroup;

    private NspawnContainer(Process nspawn, ContainerCgroup cgroup, int init, string name)
    {
        _nspawn = nspawn;
        _cgroup = cgroup;
        Init = init;
        Name = name;
    }

    /// <summary>The machine name it was booted with.</summary>
    public string Name { get; }

    /// <summary>The container's systemd, as seen from the host.</summary>
    public int Init { get; }

    public static string RootFs => Environment.GetEnvironmentVariable("ROOTFS")
        ?? Path.Combine(EtcdBinaries.RepositoryRoot(), ".cache", "rootfs", "bookworm");

    public static async Task<NspawnContainer> BootAsync(string name, string logFile, params string[] binds)
    {
        if (Environment.UserName != "root")
        {
            Assert.Ignore("systemd-nspawn needs root (CI runs as root)");
        }

        if (!File.Exists(Path.Combine(RootFs, ".complete")))
        {
            Assert.Fail($"no root filesystem at {RootFs}: run scripts/make-rootfs.sh (scripts/test.sh does)");
        }

        var arguments = new List<string>
        {
            "-b", "-D", RootFs, "--volatile=overlay", "--register=no", "--keep-unit", "--console=passive",
            "-M", name,
        };
        arguments.AddRange(binds);
        var cgroup = ContainerCgroup.Create(name);
        var (fileName, wrapped) = cgroup.Wrap("systemd-nspawn", arguments);
        var nspawn = ProcessRunner.StartBackground(fileName, wrapped, logFile);
        var waited = Stopwatch.StartNew();
        int? init = null;
        try
        {
            while (init is null)
            {
                Assert.That(nspawn.HasExited, Is.False, () => "systemd-nspawn exited: " + File.ReadAllText(logFile));
                Assert.That(waited.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)), "the container's init did not appear");
                init = ContainerInit(nspawn.Id);
                await Task.Delay(100);
            }
        }
        catch
        {
            // No container to dispose yet: end nspawn and take its cgroup away here.
            ProcessRunner.Kill(nspawn);
            cgroup.Remove();
            throw;
        }

        var container = new NspawnContainer(nspawn, cgroup, init.Value, name);
        while (true)
        {
            var answer = await container.RunAsync("systemctl", "is-system-running");
            var state = answer.StandardOutput.Trim();
            if (state is "running" or "degraded")
            {
                return container;
            }

            if (waited.Elapsed > TimeSpan.FromSeconds(90))
            {
                await container.DisposeAsync();
                Assert.Fail($"the container's systemd is '{state}' after 90 s: {answer.StandardError.Trim()}");
            }

            await Task.Delay(250);
        }
    }

    /// <summary>Runs a command inside the container, in all its namespaces.</summary>
    public Task<ProcessResult> RunAsync(params string[] command) =>
        ProcessRunner.RunAsync("nsenter", ["-t", Init.ToString(), "-a", .. command]);

    public async Task<ProcessResult> MustRunAsync(params string[] command)
    {
        var result = await RunAsync(command);
        Assert.That(result.ExitCode, Is.Zero, () => $"{string.Join(' ', command)} in the container: {result}");
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_nspawn.HasExited)
        {
            await RunAsync("systemctl", "poweroff");
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _nspawn.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                ProcessRunner.Kill(_nspawn);
            }
        }

        _nspawn.Dispose();
        _cgroup.Remove();
    }

    /// <summary>
    /// The container's init: the child of systemd-nspawn that is PID 1 in its own PID namespace. The
    /// first child nspawn forks only sets up and then exits; on a loaded machine it lives long enough
    /// to be found, and an nsenter into it fails for as long as one waits.
    /// </summary>
    private static int? ContainerInit(int pid)
    {
        foreach (var task in Directory.Exists($"/proc/{pid}/task") ? Directory.GetDirectories($"/proc/{pid}/task") : [])
        {
            foreach (var child in ReadOrEmpty(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var nsPid = ReadOrEmpty($"/proc/{child}/status").Split('\n').FirstOrDefault(l => l.StartsWith("NSpid:", StringComparison.Ordinal));
                if (nsPid?.Split('\t', StringSplitOptions.RemoveEmptyEntries) is [_, _, .., "1"])
                {
                    return int.Parse(child);
                }
            }
        }

        return null;
    }

    private static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return "";
        }
    }
}
