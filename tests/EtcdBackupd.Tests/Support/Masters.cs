using System.Diagnostics;
using System.Text.Json.Nodes;
using EtcdBackupd.Etcd;
using EtcdBackupd.Etcd.Protocol;
using EtcdBackupd.Restore;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;

namespace EtcdBackupd.Tests.Support;

/// <summary>One master on loopback: an etcd member run by shell commands, a stand-in API server, a daemon.</summary>
internal sealed record Master(string Name, Uri ClientUrl, Uri PeerUrl, string DataDir, string Snapshots, string Socket, string PidFile, string ApiMarker)
{
    public DaemonProcess? Daemon { get; set; }

    public string EtcdPid => File.ReadAllText(PidFile).Trim();

    /// <summary>The kube-apiserver stand-in "runs" while its marker file exists (kube-apiserver is not packaged here).</summary>
    public bool ApiServerRunning => File.Exists(ApiMarker);
}

/// <summary>
/// Three masters on loopback as the runbook has them, each with its own etcd member (a unit file with the
/// runbook's flags, started and stopped by Restore.ServiceControl 'commands'), a kube-apiserver stand-in,
/// and its own etcd-backupd with its own control socket and snapshot directory. They are each other's
/// peers through one loopback sshd, as root with a key and pinned host key. Everything stops on dispose.
/// </summary>
internal sealed class Masters : IAsyncDisposable
{
    private readonly TempDirectory _dir;
    private readonly EtcdBinaries _etcd;

    private Masters(TempDirectory dir, EtcdBinaries etcd, IReadOnlyList<Master> all)
    {
        _dir = dir;
        _etcd = etcd;
        All = all;
    }

    public IReadOnlyList<Master> All { get; }

    /// <summary>
    /// Shell: until process $p has exited. A zombie counts as exited: etcd was started in the
    /// background and belongs to whatever reaps orphans here, which may take a second or two. So does
    /// a process that is not etcd: an etcd that died on its own left its PID in the file, and with
    /// pid_max at 32768 a long run gives that PID to another process (a restore once waited on one).
    /// </summary>
    public const string WaitForExit = "while " + IsEtcd + "; do sleep 0.05; done";

    /// <summary>Shell: whether process $p is an etcd that runs (not a zombie, not another process under its PID: see <see cref="WaitForExit"/>).</summary>
    public const string Runs = IsEtcd;

    private const string IsEtcd = "[ -e /proc/$p ] && ! grep -q ') Z' /proc/$p/stat && readlink /proc/$p/exe | grep -q '/etcd$'";

    public SshServer? Ssh { get; private set; }

    public string Token { get; } = "restore-" + Guid.NewGuid().ToString("N")[..8];

    /// <param name="binaries">etcd 3.4 (restored with etcdctl) or 3.5 (with etcdutl).</param>
    /// <param name="tweak">Changes one master's daemon configuration before it starts (index, configuration).</param>
    public static async Task<Masters> StartAsync(EtcdBinaries binaries, Action<int, JsonObject>? tweak = null)
    {
        binaries.RequireInstalled();
        var dir = new TempDirectory("masters");
        var all = Enumerable.Range(1, 3).Select(i => new Master(
            $"m{i}", new Uri($"http://127.0.0.1:{EtcdCluster.FreePort()}"), new Uri($"http://127.0.0.1:{EtcdCluster.FreePort()}"),
            dir.Combine($"m{i}/etcd"), Directory.CreateDirectory(dir.Combine($"m{i}/snapshots")).FullName, dir.Combine($"m{i}/control.sock"),
            dir.Combine($"m{i}/etcd.pid"), dir.Combine($"m{i}/kube-apiserver-stand-in.active"))).ToList();
        var masters = new Masters(dir, binaries, all);
        try
        {
            var identity = await SshServer.KeyPairAsync(dir.Combine("id_ed25519"));
            masters.Ssh = await SshServer.StartAsync(dir, "masters", identity + ".pub");
            await File.WriteAllTextAsync(dir.Combine("known_hosts"), masters.Ssh.KnownHostsLine + "\n");
            var services = all.Select(masters.Commands).ToList();
            await Task.WhenAll(all.Select(async (m, i) =>
            {
                await File.WriteAllTextAsync(dir.Combine($"{m.Name}/etcd.service"), $"[Service]\nExecStart={binaries.Etcd} {masters.Flags(m)}\n");
                await services[i].StartAsync("etcd.service", CancellationToken.None);
                await services[i].StartAsync("kube-apiserver.service", CancellationToken.None);
            }));
            await masters.WaitHealthyAsync();
            for (var i = 0; i < all.Count; i++)
            {
                var config = masters.DaemonConfig(i, identity);
                tweak?.Invoke(i, config);
                Backupd.WriteConfig(dir.Combine($"{all[i].Name}/config.json"), config);
                masters.StartDaemon(all[i]);
            }

            foreach (var master in all)
            {
                await master.Daemon!.WaitForLogAsync("Control socket", TimeSpan.FromSeconds(30));
            }

            return masters;
        }
        catch
        {
            await masters.DisposeAsync();
            throw;
        }
    }

    private void StartDaemon(Master m) => m.Daemon = DaemonProcess.Start(_dir.Combine($"{m.Name}/config.json"), _dir.Combine($"{m.Name}/daemon.log"));

    /// <summary>
    /// SIGKILL to one master's daemon and every process under it (what systemd's KillMode=control-group
    /// does to a unit it kills), then the same daemon started again on the same configuration and state.
    /// </summary>
    public async Task KillAndRestartDaemonAsync(Master m)
    {
        await m.Daemon!.DisposeAsync();
        var before = m.Daemon.Log.Length;
        StartDaemon(m);
        await Eventually.UntilAsync(() => m.Daemon!.Log[before..].Contains("Control socket", StringComparison.Ordinal), TimeSpan.FromSeconds(30),
            () => $"{m.Name}'s daemon to serve again:\n{m.Daemon!.Log[before..]}");
    }

    /// <summary>
    /// After a restore, ended or recovered: every member healthy with one leader, one cluster ID, and the
    /// same <c>etcdctl endpoint hashkv</c> on all three (the same data, not merely members that answer).
    /// </summary>
    public async Task AssertOneConsistentClusterAsync()
    {
        await WaitHealthyAsync();
        var statuses = new List<(ulong Leader, ulong Cluster)>();
        foreach (var m in All)
        {
            await using var connection = await ConnectAsync(m);
            statuses.Add((connection.Status.Leader, connection.Status.Header.ClusterId));
        }

        Assert.That(statuses.Select(s => s.Leader).Distinct().Count(), Is.EqualTo(1), "one leader");
        Assert.That(statuses.Select(s => s.Cluster).Distinct().Count(), Is.EqualTo(1), "one cluster ID");
        string[] hashes = [];
        await Eventually.UntilAsync(async () =>
        {
            hashes = await Task.WhenAll(All.Select(HashKvAsync));
            return hashes.Distinct().Count() == 1;
        }, TimeSpan.FromSeconds(20), () => "the same hashkv on every member: " + string.Join(", ", hashes));
    }

    /// <summary><c>etcdctl endpoint hashkv</c> of one member: a hash of its whole key-value store at its revision.</summary>
    public async Task<string> HashKvAsync(Master m)
    {
        var result = await ProcessRunner.RunAsync(_etcd.Etcdctl, [$"--endpoints={Url(m.ClientUrl)}", "endpoint", "hashkv", "-w", "json"],
            new Dictionary<string, string> { ["ETCDCTL_API"] = "3" });
        Assert.That(result.ExitCode, Is.Zero, result.ToString);
        var json = System.Text.Json.Nodes.JsonNode.Parse(result.StandardOutput)!.AsArray()[0]!;
        return $"{json["HashKV"]!["hash"]} at {json["HashKV"]!["header"]!["revision"]}";
    }

    public string Log(Master master) => master.Daemon?.Log + "\n--- etcd ---\n" + File.ReadAllText(master.DataDir + ".log");

    /// <summary>The runbook's etcd flags for one member: the source of its restore parameters.</summary>
    private string Flags(Master m) =>
        $"--name={m.Name} --data-dir={m.DataDir} --listen-client-urls={Url(m.ClientUrl)} --advertise-client-urls={Url(m.ClientUrl)} "
        + $"--listen-peer-urls={Url(m.PeerUrl)} --initial-advertise-peer-urls={Url(m.PeerUrl)} "
        + $"--initial-cluster={string.Join(',', All.Select(o => $"{o.Name}={Url(o.PeerUrl)}"))} --initial-cluster-token={Token} --initial-cluster-state=new";

    private static string Url(Uri uri) => uri.ToString().TrimEnd('/');

    private CommandServiceControl Commands(Master m) => new(UnitCommands(m).ToDictionary(p => p.Key, p => new UnitCommands(p.Value.Start, p.Value.Stop, p.Value.IsActive)));

    private Dictionary<string, (string Start, string Stop, string IsActive)> UnitCommands(Master m) => new()
    {
        ["etcd.service"] = (
            $"{_etcd.Etcd} {Flags(m)} >>{m.DataDir}.log 2>&1 & echo $! >{m.PidFile}",
            $"p=$(cat {m.PidFile}); kill $p; " + WaitForExit,
            $"p=$(cat {m.PidFile}); " + Runs),
        ["kube-apiserver.service"] = ($"touch {m.ApiMarker}", $"rm -f {m.ApiMarker}", $"test -f {m.ApiMarker}"),
    };

    private JsonObject DaemonConfig(int index, string identity)
    {
        var m = All[index];
        var commands = new JsonObject();
        foreach (var (unit, (start, stop, isActive)) in UnitCommands(m))
        {
            commands[unit] = new JsonObject { ["Start"] = start, ["Stop"] = stop, ["IsActive"] = isActive };
        }

        var backupctl = $"dotnet {Path.Combine(AppContext.BaseDirectory, "etcd-backupctl.dll")}";
        return new JsonObject
        {
            ["Etcd"] = new JsonObject { ["Endpoints"] = new JsonArray(m.ClientUrl.ToString()) },
            ["Snapshots"] = new JsonObject { ["Directory"] = m.Snapshots, ["Schedules"] = new JsonArray("0 5 1 1 *") },
            ["Metrics"] = new JsonObject { ["TextfilePath"] = "off" },
            ["Logging"] = new JsonObject { ["Target"] = "console" },
            ["Control"] = new JsonObject { ["SocketPath"] = m.Socket },
            ["State"] = new JsonObject { ["Directory"] = StateDirectory(m) },
            ["Peers"] = new JsonObject
            {
                ["IdentityFile"] = identity,
                ["KnownHostsFile"] = _dir.Combine("known_hosts"),
                ["Attempts"] = 1,
                ["Targets"] = new JsonArray(All.Where(o => o != m).Select(o => (JsonNode)new JsonObject
                {
                    ["Host"] = "127.0.0.1", ["Port"] = Ssh!.Port, ["Directory"] = o.Snapshots, ["ControlSocket"] = o.Socket, ["Backupctl"] = backupctl,
                }).ToArray()),
            },
            ["Restore"] = new JsonObject
            {
                ["Tool"] = _etcd.Etcdutl ?? _etcd.Etcdctl,
                ["UnitFile"] = _dir.Combine($"{m.Name}/etcd.service"),
                ["ServiceControl"] = "commands",
                ["Commands"] = commands,
                ["HealthTimeoutSeconds"] = 60,
            },
        };
    }

    /// <summary>Where one master's daemon keeps its restore sessions and lineage.</summary>
    public string StateDirectory(Master m) => _dir.Combine($"{m.Name}/state");

    public async Task<EtcdConnection> ConnectAsync(Master m) =>
        await EtcdConnection.ConnectAsync(new EtcdOptions { Endpoints = [m.ClientUrl] }, NullLogger.Instance, CancellationToken.None);

    public async Task PutAsync(string key, string value)
    {
        await using var connection = await ConnectAsync(All[0]);
        await connection.KV.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFromUtf8(value) });
    }

    /// <summary>Every key under /registry/ that one member serves.</summary>
    public async Task<string[]> RegistryKeysAsync(Master m)
    {
        await using var connection = await ConnectAsync(m);
        var response = await connection.KV.RangeAsync(new RangeRequest
        {
            Key = ByteString.CopyFromUtf8("/registry/"), RangeEnd = ByteString.CopyFromUtf8("/registry0"), KeysOnly = true,
        });
        return response.Kvs.Select(kv => kv.Key.ToStringUtf8()).Order().ToArray();
    }

    public async Task WaitHealthyAsync()
    {
        var waited = Stopwatch.StartNew();
        foreach (var m in All)
        {
            while (true)
            {
                try
                {
                    await using var connection = await ConnectAsync(m);
                    if (connection.Status.Leader != 0)
                    {
                        break;
                    }
                }
                catch (EtcdException) when (waited.Elapsed < TimeSpan.FromSeconds(60))
                {
                }

                Assert.That(waited.Elapsed, Is.LessThan(TimeSpan.FromSeconds(60)), () => $"etcd {m.Name} has no leader after 60 s:\n{Log(m)}");
                await Task.Delay(200);
            }
        }
    }

    /// <summary>Each member's etcd pid and whether its API server stand-in runs: what "nothing was stopped" means.</summary>
    public (string Pid, bool Api)[] Services() => All.Select(m => (m.EtcdPid, m.ApiServerRunning)).ToArray();

    /// <summary>Stops or starts one member's etcd with its own commands, as its daemon would.</summary>
    public Task StopEtcdAsync(Master m) => Commands(m).StopAsync("etcd.service", CancellationToken.None);

    public Task StartEtcdAsync(Master m) => Commands(m).StartAsync("etcd.service", CancellationToken.None);

    /// <summary>The runbook's "loss": <c>mv member member_bak</c> in every member's data directory.</summary>
    public void LoseTheData()
    {
        foreach (var m in All)
        {
            Directory.Move(Path.Combine(m.DataDir, "member"), Path.Combine(m.DataDir, "member_bak"));
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var m in All)
        {
            if (m.Daemon is not null)
            {
                await m.Daemon.DisposeAsync();
            }

            if (File.Exists(m.PidFile))
            {
                await Shell.RunAsync($"kill -9 $(cat {m.PidFile}) 2>/dev/null", CancellationToken.None);
            }
        }

        if (Ssh is not null)
        {
            await Ssh.DisposeAsync();
        }

        _dir.Dispose();
    }
}
