using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Systemd;

/// <summary>The test plays systemd's notify socket for a real daemon process.</summary>
[Parallelizable(ParallelScope.None)]
internal sealed class NotifyTests
{
    [Test]
    [CancelAfter(90_000)]
    public async Task Daemon_UnderANotifySocket_SaysReadyKeepsStatusPetsTheWatchdogAndStopsOnSigterm()
    {
        using var dir = new TempDirectory("notify");
        await using var cluster = await EtcdCluster.StartAsync(EtcdBinaries.V34, 1);
        Directory.CreateDirectory(dir.Combine("snapshots"));
        var daemonConfig = DaemonConfig(cluster, dir.Combine("snapshots"));
        daemonConfig["Metrics"]!["TextfilePath"] = dir.Combine("etcd_backupd.prom");
        var config = Backupd.WriteConfig(dir.Combine("config.json"), daemonConfig);
        var socketPath = dir.Combine("notify.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));

        await using var daemon = DaemonProcess.Start(config, dir.Combine("daemon.log"), new Dictionary<string, string>
        {
            ["NOTIFY_SOCKET"] = socketPath,
            ["WATCHDOG_USEC"] = "400000",
        });
        var messages = new List<string>();
        var buffer = new byte[4096];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!(messages.Exists(m => m.Contains("READY=1", StringComparison.Ordinal))
                 && messages.Count(m => m == "WATCHDOG=1") >= 2
                 && messages.Exists(m => m.StartsWith("STATUS=last snapshot", StringComparison.Ordinal))))
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            messages.Add(Encoding.UTF8.GetString(buffer, 0, read));
        }

        var exitCode = await daemon.TerminateAsync(TimeSpan.FromSeconds(25));

        Assert.That(exitCode, Is.Zero, daemon.Log);
        var ready = messages.First(m => m.Contains("READY=1", StringComparison.Ordinal));
        Assert.That(ready, Does.Contain("STATUS="), "READY=1 comes with a status line");
        Assert.That(messages.Last(m => m.StartsWith("STATUS=last snapshot", StringComparison.Ordinal)),
            Does.Match(@"STATUS=last snapshot \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ ok, revision \d+, \d+ bytes; next \d{4}-"));
        var metrics = await File.ReadAllTextAsync(dir.Combine("etcd_backupd.prom"));
        Assert.That(metrics, Does.Contain("etcd_backupd_last_attempt_success 1\n")
            .And.Contain("etcd_backupd_snapshots 1\n")
            .And.Contain("etcd_backupd_failures_total{kind=\"StreamBroken\"} 0\n")
            .And.Match(@"etcd_backupd_last_success_timestamp_seconds \d{10}\n"));
    }

    [TestCase("Snapshots", "TimeZone", "\"Mars/Olympus\"", "Snapshots.TimeZone: 'Mars/Olympus' is not a known time zone")]
    [TestCase("Snapshots", "Schedules", "[\"0 5 * *\"]", "Snapshots.Schedules[0]: '0 5 * *' is not a cron expression")]
    [TestCase("Snapshots", "RetentionDays", "-1", "Snapshots.RetentionDays: '-1' is not a whole number from 1 to 3650")]
    [TestCase("Snapshots", "MinimumKept", "0", "Snapshots.MinimumKept: '0' is not a whole number from 1 to 1000")]
    [TestCase("Snapshots", "TakenBy", "\"someone\"", "Snapshots.TakenBy: 'someone' must be 'leader' or 'every'")]
    [TestCase("Snapshots", "Directory", "\"/nonexistent/snapshots\"", "Snapshots.Directory: directory '/nonexistent/snapshots' does not exist")]
    [CancelAfter(60_000)]
    public async Task Daemon_WithABadKey_RefusesToStartNamingItOnStderrAndInItsStatus(string section, string key, string json, string expected)
    {
        using var dir = new TempDirectory("badkey");
        var config = Backupd.ConfigWithoutEtcd(dir);
        config[section]![key] = JsonNode.Parse(json);
        var socketPath = dir.Combine("notify.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));

        var result = await Backupd.RunDaemonAsync(Backupd.WriteConfig(dir.Combine("config.json"), config),
            new Dictionary<string, string> { ["NOTIFY_SOCKET"] = socketPath });

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString);
        Assert.That(result.StandardError, Does.Contain(expected));
        var buffer = new byte[4096];
        var status = Encoding.UTF8.GetString(buffer, 0, socket.Receive(buffer));
        Assert.That(status, Does.StartWith("STATUS=configuration error:").And.Contain(expected));
    }

    internal static JsonObject DaemonConfig(EtcdCluster cluster, string snapshots, string schedule = "0 5 * * *", params Uri[] endpoints)
    {
        var etcd = new JsonObject
        {
            ["Endpoints"] = new JsonArray((endpoints.Length > 0 ? endpoints : cluster.Members.Select(m => m.ClientUrl))
                .Select(e => (JsonNode)e.ToString()).ToArray()),
        };
        return new JsonObject
        {
            ["Etcd"] = etcd,
            ["Snapshots"] = new JsonObject { ["Directory"] = snapshots, ["Schedules"] = new JsonArray(schedule) },
            ["Metrics"] = new JsonObject { ["TextfilePath"] = "off" },
            ["Logging"] = new JsonObject { ["Target"] = "console" },
            // One socket per daemon: several run at once in some tests.
            ["Control"] = new JsonObject { ["SocketPath"] = snapshots.TrimEnd('/') + ".sock" },
            // Its own verification cache and copy ledger: the default /var/lib/etcd-backupd is shared by every test.
            ["State"] = new JsonObject { ["Directory"] = snapshots.TrimEnd('/') + ".state" },
        };
    }
}
