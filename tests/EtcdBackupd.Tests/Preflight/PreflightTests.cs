using System.Text.Json.Nodes;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Preflight;

/// <summary>
/// <c>etcd-backupd check</c> and <c>etcd-backupctl check</c> on a master as the runbook sets it up: etcd
/// with client certificates, an sshd peer with a pinned host key, the etcd unit the restore reads.
/// </summary>
[Parallelizable(ParallelScope.None)]
internal sealed class PreflightTests
{
    private TempDirectory _dir = null!;
    private TestPki _pki = null!;
    private EtcdCluster _cluster = null!;
    private SshServer _peer = null!;
    private string _identity = null!;
    private string _remote = null!;

    [OneTimeSetUp]
    public async Task StartMasterAsync()
    {
        _dir = new TempDirectory("preflight");
        _pki = await TestPki.CreateAsync(_dir.Path, "preflight");
        _cluster = await EtcdCluster.StartAsync(EtcdBinaries.V34, 1, _pki);
        _identity = await SshServer.KeyPairAsync(_dir.Combine("id_ed25519"));
        _peer = await SshServer.StartAsync(_dir, "peer", _identity + ".pub");
        _remote = Directory.CreateDirectory(_dir.Combine("remote")).FullName;
        await File.WriteAllTextAsync(_dir.Combine("known_hosts"), _peer.KnownHostsLine + "\n");
        await File.WriteAllTextAsync(_dir.Combine("etcd.service"), $"""
            [Service]
            ExecStart={EtcdBinaries.V34.Etcd} --name m1 --data-dir /var/lib/etcd --initial-cluster m1=http://127.0.0.1:2380 \
              --initial-cluster-token tok --initial-advertise-peer-urls http://127.0.0.1:2380
            """);
    }

    [OneTimeTearDown]
    public async Task StopMasterAsync()
    {
        await _peer.DisposeAsync();
        await _cluster.DisposeAsync();
        _dir.Dispose();
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Check_OnAMasterReadyForBackups_PassesEveryLineAndExitsZero()
    {
        using var run = new TempDirectory("preflight-ok");

        var (exitCode, lines) = await CheckAsync(run, _ => { });

        Assert.That(exitCode, Is.Zero, Text(lines));
        Assert.That(lines.Select(l => (string)l["name"]!), Is.EqualTo(new[] { "configuration", "tls", "etcd", "snapshot-directory", "peer", "restore" }));
        Assert.That(lines.Select(l => (bool)l["ok"]!), Is.All.True, Text(lines));
        Assert.That(Detail(lines, "etcd"), Does.Contain("member m1, the leader, etcd 3.4"));
        Assert.That(Detail(lines, "tls"), Does.Contain("CN=etcd-backupd").And.Contain("expires on"));
        Assert.That(Detail(lines, "restore"), Does.Contain("member m1").And.Contain(EtcdBinaries.V34.Etcdctl));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Check_WithTheClientCertificateAndTheServersKey_FailsTheTlsLineNamingEtcdKeyFile()
    {
        using var run = new TempDirectory("preflight-swapped");

        var (exitCode, lines) = await CheckAsync(run, config => config["Etcd"]!["KeyFile"] = _pki.ServerKey);

        Assert.That(exitCode, Is.EqualTo(1), Text(lines));
        Assert.That(Line(lines, "tls")["ok"]!.GetValue<bool>(), Is.False);
        Assert.That(Detail(lines, "tls"), Does.StartWith("Etcd.KeyFile: ").And.Contain("different key pairs"));
        Assert.That(Line(lines, "configuration")["ok"]!.GetValue<bool>(), Is.True, "the file itself is fine: the pair is the TLS line's business");
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Check_WithAPeerNobodyListensOn_FailsThatPeersLineOnly()
    {
        using var run = new TempDirectory("preflight-down");
        var down = EtcdCluster.FreePort();

        var (exitCode, lines) = await CheckAsync(run, config => config["Peers"]!["Targets"]!.AsArray()
            .Add(new JsonObject { ["Host"] = "127.0.0.1", ["Port"] = down, ["Directory"] = _remote }));

        Assert.That(exitCode, Is.EqualTo(1), Text(lines));
        var peers = lines.Where(l => (string)l["name"]! == "peer").ToList();
        Assert.That(peers.Select(p => ((string)p["target"]!, (bool)p["ok"]!)),
            Is.EqualTo(new[] { ($"root@127.0.0.1:{_peer.Port}", true), ($"root@127.0.0.1:{down}", false) }), Text(lines));
        Assert.That((string)peers[1]["detail"]!, Does.Contain("cannot connect"));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Check_WithAPeerOfferingAnotherHostKeyThanThePinnedOne_FailsItsLineSayingTheKeyChanged()
    {
        using var run = new TempDirectory("preflight-hostkey");
        var impostor = await SshServer.KeyPairAsync(run.Combine("impostor"));
        var parts = (await File.ReadAllTextAsync(impostor + ".pub")).Split(' ');
        await File.WriteAllTextAsync(run.Combine("known_hosts"), $"[127.0.0.1]:{_peer.Port} {parts[0]} {parts[1]}\n");

        var (exitCode, lines) = await CheckAsync(run, config => config["Peers"]!["KnownHostsFile"] = run.Combine("known_hosts"));

        Assert.That(exitCode, Is.EqualTo(1), Text(lines));
        Assert.That(Line(lines, "peer")["ok"]!.GetValue<bool>(), Is.False);
        Assert.That(Detail(lines, "peer"), Does.StartWith("host key refused").And.Contain("CHANGED"));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Check_WithAPeerDirectoryOnAReadOnlyFileSystem_FailsItsLineNamingTheDirectory()
    {
        using var run = new TempDirectory("preflight-readonly");
        await using var tmpfs = await Tmpfs.MountAsync(run.Combine("readonly"), "4m");
        await tmpfs.RemountReadOnlyAsync();

        var (exitCode, lines) = await CheckAsync(run, config => config["Peers"]!["Targets"]![0]!["Directory"] = tmpfs.Path);

        Assert.That(exitCode, Is.EqualTo(1), Text(lines));
        Assert.That(Line(lines, "peer")["ok"]!.GetValue<bool>(), Is.False);
        Assert.That(Detail(lines, "peer"), Does.Contain(tmpfs.Path).And.Contain("read-only"));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Check_WithAnUnknownKey_ExitsTwoWithTheConfigurationLineAlone()
    {
        using var run = new TempDirectory("preflight-unknown");

        var (exitCode, lines) = await CheckAsync(run, config => config["Snapshots"]!["RetentionDay"] = 3);

        Assert.That(exitCode, Is.EqualTo(2), Text(lines));
        Assert.That(lines.Select(l => ((string)l["name"]!, (bool)l["ok"]!)), Is.EqualTo(new[] { ("configuration", false) }));
        Assert.That(Detail(lines, "configuration"), Does.Contain("Snapshots.RetentionDay: is not a known key"));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Check_OneShotWithoutJson_PrintsTheSameTableAsBackupctlWithin100Columns()
    {
        using var run = new TempDirectory("preflight-table");
        var config = Config(run, _dir);
        config["Peers"]!["Targets"]![0]!["Directory"] = run.Combine("no-such-directory");
        var path = Backupd.WriteConfig(run.Combine("config.json"), config);

        var text = await Backupd.RunAsync("check", "--config", path);
        var json = await Backupd.RunAsync("check", "--config", path, "--json");

        Assert.That(text.ExitCode, Is.EqualTo(1), text.ToString);
        var result = System.Text.Json.JsonSerializer.Deserialize(json.StandardOutput, EtcdBackupd.Commands.OneShotJsonContext.Default.CheckResult)!;
        var lines = text.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines[0], Does.StartWith("+-"), text.ToString);
        Assert.That(lines[1], Does.Match(@"^\| CHECK +\| RESULT +\| DETAIL +\|$"), text.ToString);
        Assert.That(lines.Max(l => l.Length), Is.LessThanOrEqualTo(100), text.ToString);
        Assert.That(text.StandardOutput, Does.Contain("FAILED").And.Not.Match(OperatorText.DotNetNames().ToString()));
        // The same renderer as etcd-backupctl check's: the one-shot's lines are the table drawn from its own --json.
        var drawn = EtcdBackupctl.Render.Check(result, new EtcdBackupd.Protocol.Tables.View(DateTimeOffset.UtcNow, Wide: false));
        Assert.That(text.StandardOutput.Split('\n').Where(l => !l.Contains("bytes free", StringComparison.Ordinal)),
            Is.EqualTo(drawn.Split('\n').Where(l => !l.Contains("bytes free", StringComparison.Ordinal))), "the two tables differ");
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Backupctl_Check_ThroughTheDaemon_PassesAndSaysTheFileIsTheConfigurationInForce()
    {
        await using var daemon = await ControlledDaemon.StartAsync("preflight-daemon", _cluster, config => Configure(config, _dir));

        var result = await Backupctl.RunAsync(daemon.Socket, "check", "--json");

        Assert.That(result.ExitCode, Is.Zero, result.ToString);
        var lines = JsonNode.Parse(result.StandardOutput)!["checks"]!.AsArray().Select(l => l!).ToList();
        Assert.That(lines.Select(l => (bool)l["ok"]!), Is.All.True, result.ToString);
        Assert.That(Detail(lines, "configuration"), Does.EndWith("it is the configuration in force"));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Daemon_WithAKeyThatIsNotItsCertificates_RefusesToStartNamingEtcdKeyFile()
    {
        using var run = new TempDirectory("preflight-refused");
        var config = Config(run, _dir);
        config["Etcd"]!["KeyFile"] = _pki.ServerKey;

        var result = await Backupd.RunDaemonAsync(Backupd.WriteConfig(run.Combine("config.json"), config));

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString);
        Assert.That(result.StandardError, Does.Contain("Etcd.KeyFile: ").And.Contain("different key pairs"));
    }

    /// <summary>Runs <c>etcd-backupd check --json</c> on the master's configuration with <paramref name="change"/>.</summary>
    private async Task<(int ExitCode, List<JsonNode> Lines)> CheckAsync(TempDirectory run, Action<JsonObject> change)
    {
        var config = Config(run, _dir);
        change(config);
        var result = await Backupd.RunAsync("check", "--config", Backupd.WriteConfig(run.Combine("config.json"), config), "--json");
        Assert.That(result.StandardOutput, Does.StartWith("{"), result.ToString);
        return (result.ExitCode, JsonNode.Parse(result.StandardOutput)!["checks"]!.AsArray().Select(l => l!).ToList());
    }

    private JsonObject Config(TempDirectory run, TempDirectory master)
    {
        var config = new JsonObject
        {
            ["Snapshots"] = new JsonObject { ["Directory"] = Directory.CreateDirectory(run.Combine("snapshots")).FullName },
            ["Metrics"] = new JsonObject { ["TextfilePath"] = "off" },
            ["Logging"] = new JsonObject { ["Target"] = "console" },
            ["Control"] = new JsonObject { ["SocketPath"] = run.Combine("control.sock") },
        };
        Configure(config, master);
        return config;
    }

    /// <summary>The master's etcd (TLS), its peer and its restore settings, over whatever <paramref name="config"/> has.</summary>
    private void Configure(JsonObject config, TempDirectory master)
    {
        config["Etcd"] = new JsonObject
        {
            ["Endpoints"] = new JsonArray(_cluster.Members[0].ClientUrl.ToString()),
            ["CaFile"] = _pki.CaFile,
            ["CertFile"] = _pki.ClientCert,
            ["KeyFile"] = _pki.ClientKey,
        };
        config["Peers"] = new JsonObject
        {
            ["IdentityFile"] = _identity,
            ["KnownHostsFile"] = master.Combine("known_hosts"),
            ["ConnectTimeoutSeconds"] = 5,
            ["Targets"] = new JsonArray(new JsonObject { ["Host"] = "127.0.0.1", ["Port"] = _peer.Port, ["Directory"] = _remote }),
        };
        config["Restore"] = new JsonObject { ["UnitFile"] = master.Combine("etcd.service"), ["Tool"] = EtcdBinaries.V34.Etcdctl };
    }

    private static JsonNode Line(List<JsonNode> lines, string name) => lines.First(l => (string)l["name"]! == name);

    private static string Detail(List<JsonNode> lines, string name) => (string)Line(lines, name)["detail"]!;

    private static string Text(List<JsonNode> lines) => string.Join("\n", lines.Select(l => l.ToJsonString()));
}
