using System.Diagnostics;
using System.Net.Sockets;

namespace EtcdBackupd.Tests.Support;

/// <summary>A real OpenSSH sshd on loopback with its own host key, for one test fixture; killed on dispose.</summary>
internal sealed class SshServer : IAsyncDisposable
{
    private Process? _sshd;

    private SshServer(string name, int port, string config, string hostKeyLine)
    {
        Name = name;
        Port = port;
        Config = config;
        HostKeyLine = hostKeyLine;
    }

    public string Name { get; }

    public int Port { get; }

    private string Config { get; }

    /// <summary>The server's public host key, <c>ssh-ed25519 AAAA...</c>.</summary>
    public string HostKeyLine { get; }

    public string KnownHostsLine => $"[127.0.0.1]:{Port} {HostKeyLine}";

    /// <summary>An ed25519 key pair in OpenSSH format, as an operator's ssh-keygen makes it.</summary>
    public static async Task<string> KeyPairAsync(string path)
    {
        await MustRun("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", Path.GetFileName(path), "-f", path);
        return path;
    }

    public static async Task<SshServer> StartAsync(TempDirectory dir, string name, string authorizedKeys)
    {
        var hostKey = await KeyPairAsync(dir.Combine($"{name}-host-key"));
        var port = EtcdCluster.FreePort();
        var config = dir.Combine($"{name}-sshd_config");
        await File.WriteAllTextAsync(config, $"""
            Port {port}
            ListenAddress 127.0.0.1
            HostKey {hostKey}
            AuthorizedKeysFile {authorizedKeys}
            PermitRootLogin prohibit-password
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no
            StrictModes no
            Subsystem sftp internal-sftp
            PidFile {dir.Combine($"{name}-sshd.pid")}
            LogLevel ERROR
            """);
        Directory.CreateDirectory("/run/sshd");
        var parts = (await File.ReadAllTextAsync(hostKey + ".pub")).Split(' ');
        var server = new SshServer(name, port, config, $"{parts[0]} {parts[1]}");
        await server.StartAsync(dir.Combine($"{name}-sshd.log"));
        return server;
    }

    public async Task StartAsync(string log)
    {
        var sshd = _sshd = ProcessRunner.StartBackground("/usr/sbin/sshd", ["-D", "-e", "-f", Config], log);
        await Eventually.UntilAsync(async () =>
            {
                try
                {
                    using var probe = new TcpClient();
                    await probe.ConnectAsync("127.0.0.1", Port);
                    return true;
                }
                catch (SocketException) when (!sshd.HasExited)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(20), $"sshd to listen on port {Port}");
    }

    /// <summary>Kills the per-connection sshd processes: a connection cut from the server's side.</summary>
    public void CutConnections()
    {
        if (_sshd is null)
        {
            return;
        }

        // Every descendant of the listening sshd: the privileged monitor and the session it forked.
        var parents = new Dictionary<int, int>();
        foreach (var stat in Directory.GetDirectories("/proc").Select(d => Path.Combine(d, "stat")))
        {
            try
            {
                var text = File.ReadAllText(stat);
                var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
                parents[int.Parse(Path.GetFileName(Path.GetDirectoryName(stat)!))] = int.Parse(fields[1]);
            }
            catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
            {
                // Not a process, or gone already.
            }
        }

        var doomed = new HashSet<int> { _sshd.Id };
        bool grew;
        do
        {
            grew = false;
            foreach (var (pid, parent) in parents)
            {
                if (doomed.Contains(parent) && doomed.Add(pid))
                {
                    grew = true;
                }
            }
        }
        while (grew);

        foreach (var pid in doomed.Where(p => p != _sshd.Id))
        {
            try
            {
                Process.GetProcessById(pid).Kill();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                // Already gone.
            }
        }
    }

    /// <summary>
    /// The server and every connection it holds gone: a peer that is down. <see cref="StartAsync(string)"/> brings it
    /// back on the same port with the same host key.
    /// </summary>
    public void Stop()
    {
        CutConnections();
        if (_sshd is not null)
        {
            ProcessRunner.Kill(_sshd);
            _sshd.Dispose();
            _sshd = null;
        }
    }

    public ValueTask DisposeAsync()
    {
        Stop();
        return ValueTask.CompletedTask;
    }

    private static async Task MustRun(string tool, params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync(tool, arguments);
        Assert.That(result.ExitCode, Is.Zero, () => $"{tool}: {result}");
    }
}
