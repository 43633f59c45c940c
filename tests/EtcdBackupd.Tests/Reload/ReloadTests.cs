using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Reload;

/// <summary><c>kill -HUP</c> (<c>systemctl reload</c>) on a real daemon, with a real etcd.</summary>
[Parallelizable(ParallelScope.None)]
internal sealed class ReloadTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private EtcdCluster _cluster = null!;

    [OneTimeSetUp]
    public async Task StartEtcdAsync() => _cluster = await EtcdCluster.StartAsync(EtcdBinaries.V34, 1);

    [OneTimeTearDown]
    public async Task StopEtcdAsync() => await _cluster.DisposeAsync();

    [Test]
    [CancelAfter(120_000)]
    public async Task Sighup_WithAChangedSchedule_MovesTheNextScheduledTimeAndLogsTheChange()
    {
        await using var daemon = await ControlledDaemon.StartAsync("reload-schedule", _cluster);
        var before = await StatusAsync(daemon);

        await ReloadAsync(daemon, config => config["Snapshots"]!["Schedules"] = new JsonArray("30 4 1 1 *"), "Configuration reloaded");

        var after = await StatusAsync(daemon);
        Assert.That(after["schedules"]!.AsArray().Select(s => (string)s!), Is.EqualTo(new[] { "30 4 1 1 *" }));
        Assert.That((string)after["nextScheduled"]!, Is.Not.EqualTo((string)before["nextScheduled"]!));
        Assert.That(DateTimeOffset.Parse((string)after["nextScheduled"]!, System.Globalization.CultureInfo.InvariantCulture).Month, Is.EqualTo(1));
        Assert.That(daemon.Daemon.Log, Does.Contain("Snapshots.Schedules[0]: '0 5 * * *' -> '30 4 1 1 *'"));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Sighup_WithABrokenFile_ListsEveryProblemKeepsTheConfigurationInForceAndServes()
    {
        await using var daemon = await ControlledDaemon.StartAsync("reload-broken", _cluster);

        await ReloadAsync(daemon, config =>
        {
            config["Snapshots"]!["Schedules"] = new JsonArray("not a cron line");
            config["Snapshots"]!["TakenBy"] = "nobody";
        }, "Configuration reload refused");

        Assert.That(daemon.Daemon.Log, Does.Contain("Snapshots.Schedules[0]: 'not a cron line'").And.Contain("Snapshots.TakenBy: 'nobody'"));
        var status = await StatusAsync(daemon);
        Assert.That(status["schedules"]!.AsArray().Select(s => (string)s!), Is.EqualTo(new[] { "0 5 * * *" }));
        Assert.That(daemon.Daemon.HasExited, Is.False);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Sighup_WithAJsonSyntaxError_NamesTheFileLineAndColumnInWordsAndKeepsServing()
    {
        await using var daemon = await ControlledDaemon.StartAsync("reload-json", _cluster);
        var text = await File.ReadAllTextAsync(daemon.ConfigFile);
        await File.WriteAllTextAsync(daemon.ConfigFile, "{\n  \"Snapshots\": {\n   \"Directory\": x\n" + text[1..]);

        var result = await ProcessRunner.RunAsync("kill", ["-HUP", daemon.Daemon.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await daemon.Daemon.WaitForLogAsync("Configuration reload refused", Patience);

        Assert.That(result.ExitCode, Is.Zero, result.ToString);
        var refused = daemon.Daemon.Log.Split('\n').Single(l => l.Contains("Configuration reload refused", StringComparison.Ordinal));
        Assert.That(refused, Does.Contain($"configuration file '{daemon.ConfigFile}' is not valid JSON: line 3, column 17: \"Directory\": x")
            .And.Not.Contain("invalid start of a value").And.Not.Match(OperatorText.DotNetNames().ToString()), daemon.Daemon.Log);
        Assert.That((await Backupctl.RunAsync(daemon.Socket, "status")).ExitCode, Is.Not.EqualTo(3), "the daemon still serves");
        Assert.That(daemon.Daemon.HasExited, Is.False);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Sighup_WithAChangedSocketPath_NamesItAsNeedingARestartAndServesOnTheOldSocket()
    {
        await using var daemon = await ControlledDaemon.StartAsync("reload-restart", _cluster);

        await ReloadAsync(daemon, config => config["Control"]!["SocketPath"] = daemon.Dir.Combine("other.sock"), "Configuration reloaded");

        Assert.That(daemon.Daemon.Log, Does.Contain("take effect only at a restart").And.Contain("Control.SocketPath: "));
        Assert.That((await Backupctl.RunAsync(daemon.Socket, "status")).ExitCode, Is.Zero);
        Assert.That(File.Exists(daemon.Dir.Combine("other.sock")), Is.False);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Sighup_WithANewPeer_TheNextClusterRestoreCountsItAmongTheMembers()
    {
        await using var daemon = await ControlledDaemon.StartAsync("reload-peers", _cluster);
        var snapshot = await Backupctl.RunAsync(daemon.Socket, "snapshot", "--json");
        Assert.That(snapshot.ExitCode, Is.Zero, snapshot.ToString);
        var file = Path.GetFileName((string)JsonNode.Parse(snapshot.StandardOutput)!["path"]!);
        await SshServer.KeyPairAsync(daemon.Dir.Combine("id"));
        await File.WriteAllTextAsync(daemon.Dir.Combine("known_hosts"), "");
        // A port nobody listens on: the dry run must name the new member, unreachable.
        var port = EtcdCluster.FreePort();

        await ReloadAsync(daemon, config => config["Peers"] = new JsonObject
        {
            ["IdentityFile"] = daemon.Dir.Combine("id"),
            ["KnownHostsFile"] = daemon.Dir.Combine("known_hosts"),
            ["Targets"] = new JsonArray(new JsonObject { ["Host"] = "127.0.0.1", ["Port"] = port }),
        }, "Configuration reloaded");

        var plan = await Backupctl.RunAsync(daemon.Socket, "restore", file, "--cluster", "--dry-run", "--json");
        var members = JsonNode.Parse(plan.StandardOutput)!["members"]!.AsArray().Select(m => (string)m!["member"]!).ToList();
        Assert.That(members, Has.Count.EqualTo(2), plan.ToString);
        Assert.That(members[1], Does.Contain($"127.0.0.1:{port}"), plan.ToString);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Sighup_UnderANotifySocket_SaysReloadingWithTheMonotonicClockThenReady()
    {
        using var notify = new TempDirectory("reload-notify");
        var socketPath = notify.Combine("notify.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));
        await using var daemon = await ControlledDaemon.StartAsync("reload-notify", _cluster, environment: new Dictionary<string, string> { ["NOTIFY_SOCKET"] = socketPath });
        var messages = new List<string>();
        await ReceiveUntilAsync(socket, messages, m => m.Contains("READY=1", StringComparison.Ordinal));
        messages.Clear();

        var uptime = Uptime();
        await ReloadAsync(daemon, config => config["Snapshots"]!["RetentionDays"] = 10, "Configuration reloaded");
        await ReceiveUntilAsync(socket, messages, m => m.Contains("READY=1", StringComparison.Ordinal));

        var reloading = messages.First(m => m.Contains("RELOADING=1", StringComparison.Ordinal));
        var monotonic = long.Parse(reloading.Split('\n').Single(l => l.StartsWith("MONOTONIC_USEC=", StringComparison.Ordinal))["MONOTONIC_USEC=".Length..],
            System.Globalization.CultureInfo.InvariantCulture);
        // CLOCK_MONOTONIC and /proc/uptime agree on a machine that has not been suspended.
        Assert.That(TimeSpan.FromMicroseconds(monotonic), Is.EqualTo(uptime).Within(TimeSpan.FromSeconds(30)));
        Assert.That(messages.IndexOf(reloading), Is.LessThan(messages.FindIndex(m => m.Contains("READY=1", StringComparison.Ordinal))));
    }

    /// <summary>Rewrites the daemon's configuration with <paramref name="change"/>, sends SIGHUP, waits for <paramref name="logged"/>.</summary>
    private static async Task ReloadAsync(ControlledDaemon daemon, Action<JsonObject> change, string logged)
    {
        var config = JsonNode.Parse(await File.ReadAllTextAsync(daemon.ConfigFile))!.AsObject();
        change(config);
        Backupd.WriteConfig(daemon.ConfigFile, config);
        var result = await ProcessRunner.RunAsync("kill", ["-HUP", daemon.Daemon.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        Assert.That(result.ExitCode, Is.Zero, result.ToString);
        await daemon.Daemon.WaitForLogAsync(logged, Patience);
    }

    private static async Task<JsonNode> StatusAsync(ControlledDaemon daemon)
    {
        var result = await Backupctl.RunAsync(daemon.Socket, "status", "--json");
        Assert.That(result.StandardOutput, Does.StartWith("{"), result.ToString);
        return JsonNode.Parse(result.StandardOutput)!;
    }

    private static async Task ReceiveUntilAsync(Socket socket, List<string> messages, Func<string, bool> last)
    {
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(Patience);
        while (!messages.Exists(m => last(m)))
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            messages.Add(Encoding.UTF8.GetString(buffer, 0, read));
        }
    }

    private static TimeSpan Uptime() => TimeSpan.FromSeconds(double.Parse(File.ReadAllText("/proc/uptime").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture));
}
