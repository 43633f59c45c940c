using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using EtcdBackupd.Tests.Metrics;
using EtcdBackupd.Tests.Snapshots;
using EtcdBackupd.Tests.Support;
using EtcdBackupd.Tests.Systemd;

namespace EtcdBackupd.Tests.Health;

/// <summary>State from disk and the health verdict, on the real daemon against real etcd; the metrics it writes feed promtool and node_exporter.</summary>
internal sealed class HealthOnDaemonTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    [Test]
    [CancelAfter(240_000)]
    public async Task Restart_WithSnapshotsPresent_StatusAndMetricsFromDiskAreTheSameBeforeAndAfter()
    {
        await using var cluster = await EtcdCluster.StartAsync(EtcdBinaries.V34, 1);
        await SnapshotAgainstEtcdTests.WriteRegistryKeysAsync(cluster, 20);
        using var textfiles = new TempDirectory("health-textfiles");
        var prom = textfiles.Combine("etcd_backupd.prom");
        await using var host = await ControlledDaemon.StartAsync("health-restart", cluster, c => c["Metrics"]!["TextfilePath"] = prom);
        await Eventually.UntilAsync(() => File.Exists(prom) && File.ReadAllText(prom).Contains("etcd_backupd_healthy 1\n", StringComparison.Ordinal),
            Within, () => "the daemon to write etcd_backupd_healthy 1 after its first snapshot:\n" + host.Daemon.Log);
        var statusBefore = await StatusAsync(host.Socket, 0);
        var metricsBefore = PromFile.StateFromDisk(await File.ReadAllTextAsync(prom));

        Assert.That(await host.Daemon.TerminateAsync(Within), Is.Zero);
        File.Delete(prom);
        await using var restarted = DaemonProcess.Start(host.Dir.Combine("config.json"), host.Dir.Combine("restarted.log"));
        await restarted.WaitForLogAsync("Read from disk at start", Within);
        await Eventually.UntilAsync(() => File.Exists(prom), Within, "the restarted daemon to write its metrics");
        var metricsAfter = PromFile.StateFromDisk(await File.ReadAllTextAsync(prom));
        var statusAfter = await StatusAsync(host.Socket, 0);
        var list = await Backupctl.RunAsync(host.Socket, "list", "--json");

        Assert.That(metricsAfter, Is.EqualTo(metricsBefore), "series from disk, written at once by the restarted daemon");
        Assert.That(metricsAfter, Has.Some.StartsWith("etcd_backupd_last_success_timestamp_seconds ").And.Some.StartsWith("etcd_backupd_newest_snapshot_timestamp_seconds "));
        foreach (var field in new[] { "health", "newestSnapshot", "newestOwnSnapshot", "peerRecords" })
        {
            Assert.That(statusAfter[field]!.ToJsonString(), Is.EqualTo(statusBefore[field]!.ToJsonString()), field);
        }

        Assert.That(statusAfter["newestOwnSnapshot"], Is.Not.Null);
        Assert.That(JsonNode.Parse(list.StandardOutput)!.AsArray().Select(e => e!["verification"]!.GetValue<string>()), Is.All.EqualTo("ok"),
            "verification is remembered across the restart");
        Assert.That(await AlertRules.TestAsync(prom, "m1"), Has.Property(nameof(ProcessResult.ExitCode)).Zero, "no alert fires on a healthy master");
        await NodeExporterServesAsync(textfiles.Path, "etcd_backupd_healthy 1", "etcd_backupd_newest_snapshot_timestamp_seconds ");
    }

    [Test]
    [CancelAfter(240_000)]
    public async Task FollowerWithReceivedCopies_HasTheNewestSnapshotByItsNameNotItsArrival_AndNoOwnSuccess()
    {
        await using var cluster = await EtcdCluster.StartAsync(EtcdBinaries.V34, 3);
        await cluster.WaitHealthyAsync();
        using var dir = new TempDirectory("health-follower");
        var leader = await LeaderAsync(cluster);
        var follower = cluster.Members.First(m => m != leader);
        var leaderSnapshots = Directory.CreateDirectory(dir.Combine("leader")).FullName;
        var taken = Backupd.ParseResult(await Backupd.SnapshotAsync(Backupd.WriteConfig(dir.Combine("leader.json"), cluster, leaderSnapshots, leader.ClientUrl)));
        var snapshots = Directory.CreateDirectory(dir.Combine("snapshots")).FullName;
        foreach (var file in Directory.GetFiles(leaderSnapshots))
        {
            var copy = Path.Combine(snapshots, Path.GetFileName(file));
            File.Copy(file, copy);
            // A copy that arrived long after it was taken must still count by the time in its name.
            File.SetLastWriteTimeUtc(copy, DateTime.UtcNow.AddDays(-3));
        }

        var config = NotifyTests.DaemonConfig(cluster, snapshots, "0 5 * * *", follower.ClientUrl);
        config["Metrics"]!["TextfilePath"] = dir.Combine("etcd_backupd.prom");
        await using var daemon = DaemonProcess.Start(Backupd.WriteConfig(dir.Combine("config.json"), config), dir.Combine("daemon.log"));
        await daemon.WaitForLogAsync("Read from disk at start", Within);
        await Eventually.UntilAsync(() => File.Exists(dir.Combine("etcd_backupd.prom")), Within, "the follower's metrics");
        var metrics = await File.ReadAllTextAsync(dir.Combine("etcd_backupd.prom"));

        var createdAt = DateTimeOffset.Parse(taken["createdAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(metrics, Does.Contain($"\netcd_backupd_newest_snapshot_timestamp_seconds {createdAt.ToUnixTimeSeconds()}\n")
            .And.Contain($"\netcd_backupd_newest_snapshot_size_bytes {taken["sizeBytes"]}\n")
            .And.Contain("\netcd_backupd_snapshots 1\n").And.Contain("\netcd_backupd_healthy 1\n"));
        Assert.That(metrics, Does.Not.Contain("etcd_backupd_last_success_timestamp_seconds"), "the leader's copy is not this member's own success");
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task Status_EtcdUnreachableAndNoSnapshot_ExitsOneNamingBothReasons_AndTheAlertsFire()
    {
        using var dir = new TempDirectory("health-unhealthy");
        var config = Backupd.ConfigWithoutEtcd(dir);
        config["Etcd"]!["Endpoints"] = new JsonArray($"http://127.0.0.1:{EtcdCluster.FreePort()}");
        config["Metrics"]!["TextfilePath"] = dir.Combine("etcd_backupd.prom");
        await using var daemon = DaemonProcess.Start(Backupd.WriteConfig(dir.Combine("config.json"), config), dir.Combine("daemon.log"));
        await daemon.WaitForLogAsync("Read from disk at start", Within);

        var text = await Backupctl.RunAsync(dir.Combine("control.sock"), "status");
        var json = await StatusAsync(dir.Combine("control.sock"), 1);

        Assert.That(text.ExitCode, Is.EqualTo(1), text.ToString);
        Assert.That(text.StandardOutput, Does.Contain("UNHEALTHY").And.Contain("etcd does not answer").And.Contain("no verified snapshot"));
        Assert.That(json["health"]!["problems"]!.AsArray().Select(p => p!["reason"]!.GetValue<string>()),
            Is.EqualTo(new[] { "etcd_unreachable", "no_recent_snapshot" }));
        var prom = dir.Combine("etcd_backupd.prom");
        Assert.That(await File.ReadAllTextAsync(prom), Does.Contain("etcd_backupd_unhealthy{reason=\"etcd_unreachable\"} 1\n").And.Contain("etcd_backupd_healthy 0\n"));
        var promtool = await AlertRules.TestAsync(prom, "m1", "EtcdBackupNoRecentSnapshot", "EtcdBackupUnhealthy");
        Assert.That(promtool.ExitCode, Is.Zero, promtool.ToString);
    }

    [Test]
    [CancelAfter(240_000)]
    public async Task CopyFailed_MakesStatusExitOne_UntilTheOneShotPushSucceeds()
    {
        await using var cluster = await EtcdCluster.StartAsync(EtcdBinaries.V34, 1);
        using var dir = new TempDirectory("health-copies");
        var identity = await SshServer.KeyPairAsync(dir.Combine("id_ed25519"));
        await using var peer = await SshServer.StartAsync(dir, "peer", identity + ".pub");
        await File.WriteAllTextAsync(dir.Combine("known_hosts"), peer.KnownHostsLine + "\n");
        var remote = dir.Combine("remote");
        var prom = dir.Combine("etcd_backupd.prom");
        await using var host = await ControlledDaemon.StartAsync("health-copies-daemon", cluster, c =>
        {
            c["Metrics"]!["TextfilePath"] = prom;
            c["Peers"] = new JsonObject
            {
                ["IdentityFile"] = identity, ["KnownHostsFile"] = dir.Combine("known_hosts"), ["Attempts"] = 1,
                ["Targets"] = new JsonArray(new JsonObject { ["Host"] = "127.0.0.1", ["Port"] = peer.Port, ["Directory"] = remote }),
            };
        });
        var peerLabel = $"peer=\"127.0.0.1:{peer.Port}\"";
        JsonNode failed = null!;
        await Eventually.UntilAsync(async () =>
        {
            var status = await Backupctl.RunAsync(host.Socket, "status", "--json");
            failed = JsonNode.Parse(status.StandardOutput)!;
            return status.ExitCode == 1;
        }, Within, () => "status to exit 1 once the copy to a peer without its directory failed:\n" + host.Daemon.Log);

        Directory.CreateDirectory(remote);
        var push = await Backupd.RunAsync("push", "--config", host.Dir.Combine("config.json"));
        var healed = await StatusAsync(host.Socket, 0);

        Assert.That(failed["health"]!["problems"]!.AsArray().Select(p => p!["reason"]!.GetValue<string>()), Is.EqualTo(new[] { "copy_failed" }));
        Assert.That(failed["health"]!["problems"]![0]!["message"]!.GetValue<string>(), Does.Contain($"127.0.0.1:{peer.Port}").And.Contain("does not exist"));
        Assert.That(push.ExitCode, Is.Zero, push.ToString);
        Assert.That(healed["health"]!["healthy"]!.GetValue<bool>(), Is.True);
        Assert.That(await File.ReadAllTextAsync(prom), Does.Contain($"etcd_backupd_peer_failures_total{{{peerLabel}}} 1\n")
            .And.Contain($"etcd_backupd_peer_last_success_timestamp_seconds{{{peerLabel}}} ").And.Contain("etcd_backupd_healthy 1\n"));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task StatusLine_AtReadyAfterARestart_NamesTheNewestSnapshotOnDiskAndWhyItIsUnhealthy()
    {
        using var dir = new TempDirectory("health-status-line");
        var config = Backupd.ConfigWithoutEtcd(dir);
        config["Etcd"]!["Endpoints"] = new JsonArray($"http://127.0.0.1:{EtcdCluster.FreePort()}");
        var takenAt = DateTimeOffset.UtcNow.AddHours(-1);
        SyntheticSnapshots.Write(dir.Combine("snapshots"), takenAt, member: "m2", revision: 77, withManifest: true);
        var notify = dir.Combine("notify.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(notify));

        await using var daemon = DaemonProcess.Start(Backupd.WriteConfig(dir.Combine("config.json"), config), dir.Combine("daemon.log"),
            new Dictionary<string, string> { ["NOTIFY_SOCKET"] = notify });
        var ready = "";
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(Within);
        while (!ready.Contains("READY=1", StringComparison.Ordinal))
        {
            ready = Encoding.UTF8.GetString(buffer, 0, await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token));
        }

        Assert.That(ready, Does.Contain($"STATUS=newest snapshot {takenAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z on disk (member m2), revision 77")
            .And.Contain("UNHEALTHY: etcd does not answer"));
        Assert.That(ready, Does.Not.Contain("no_recent_snapshot").And.Not.Contain("no verified snapshot"), "the snapshot on disk is recent and verified");
    }

    private static async Task<JsonNode> StatusAsync(string socket, int exitCode)
    {
        var result = await Backupctl.RunAsync(socket, "status", "--json");
        Assert.That(result.ExitCode, Is.EqualTo(exitCode), result.ToString);
        return JsonNode.Parse(result.StandardOutput)!;
    }

    private static async Task<EtcdMember> LeaderAsync(EtcdCluster cluster)
    {
        foreach (var member in cluster.Members)
        {
            await using var connection = await cluster.ConnectAsync(member);
            if (connection.Status.Leader == connection.Status.Header.MemberId)
            {
                return member;
            }
        }

        throw new AssertionException("no member leads");
    }

    /// <summary>A real prometheus-node-exporter reads the textfile directory on a free loopback port; stopped before returning.</summary>
    private static async Task NodeExporterServesAsync(string directory, params string[] expected)
    {
        var address = $"127.0.0.1:{EtcdCluster.FreePort()}";
        var exporter = ProcessRunner.StartBackground("prometheus-node-exporter",
            ["--collector.disable-defaults", "--collector.textfile", $"--collector.textfile.directory={directory}", $"--web.listen-address={address}"],
            Path.Combine(directory, "..", Path.GetFileName(directory) + "-node-exporter.log"));
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var body = "";
            await Eventually.UntilAsync(async () =>
            {
                try
                {
                    body = await http.GetStringAsync($"http://{address}/metrics");
                }
                catch (HttpRequestException)
                {
                    return false;
                }

                return expected.All(e => body.Contains(e, StringComparison.Ordinal));
            }, Within, () => $"node_exporter on {address} to serve {string.Join(", ", expected)}:\n{body}");
        }
        finally
        {
            ProcessRunner.Kill(exporter);
            exporter.Dispose();
        }
    }
}
