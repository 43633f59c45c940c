using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using EtcdBackupd.Tests.Metrics;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Health;

/// <summary>The verdict's reasons on the real daemon: status's exit code, STATUS= and the alerts that fire.</summary>
internal sealed partial class HealthOnDaemonTests
{
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
}
