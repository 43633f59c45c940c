using System.Text.Json.Nodes;
using EtcdBackupd.Tests.Metrics;
using EtcdBackupd.Tests.Snapshots;
using EtcdBackupd.Tests.Support;
using EtcdBackupd.Tests.Systemd;

namespace EtcdBackupd.Tests.Health;

/// <summary>State from disk and the health verdict, on the real daemon against real etcd; the metrics it writes feed promtool and node_exporter.</summary>
internal sealed partial class HealthOnDaemonTests
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

        Assert.That(await host.Daemon.TerminateAsync(Within), Is.Zero, () => host.Daemon.Log);
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
        Assert.That(await AlertRules.StaleAsync(prom, "m1"), Has.Property(nameof(ProcessResult.ExitCode)).Zero,
            "left as it was by a daemon that stopped, the file still raises the stale-snapshot alert once the newest snapshot is too old");
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
        // Its log beside the textfile directory would outlive the test: a scratch directory of its own holds it.
        using var scratch = new TempDirectory("node-exporter");
        var exporter = ProcessRunner.StartBackground("prometheus-node-exporter",
            ["--collector.disable-defaults", "--collector.textfile", $"--collector.textfile.directory={directory}", $"--web.listen-address={address}"],
            scratch.Combine("node-exporter.log"));
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
