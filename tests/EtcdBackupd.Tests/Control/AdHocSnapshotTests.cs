using System.Text.Json.Nodes;
using EtcdBackupd.Tests.Support;
using EtcdBackupd.Etcd.Protocol;
using Google.Protobuf;

namespace EtcdBackupd.Tests.Control;

/// <summary>
/// What `etcd-backupctl snapshot` answers while another snapshot runs, on a real daemon and etcd. The
/// daemon's first snapshot (the catch-up one at start) is held up in its copy to a peer that accepts
/// the TCP connection and never says a word, so it is still running when the caller writes and asks.
/// </summary>
[Parallelizable(ParallelScope.None)]
internal sealed class AdHocSnapshotTests
{
    [Test]
    [CancelAfter(120_000)]
    public async Task ARequestWhileAnEarlierSnapshotRuns_IsAnsweredWithASnapshotHoldingTheWritesMadeBeforeIt()
    {
        await using var cluster = await EtcdCluster.StartAsync(EtcdBinaries.V35, 1);
        using var dir = new TempDirectory("adhoc-after-earlier");
        await using var silent = SilentPeer.Start();
        var hostKey = await SshServer.KeyPairAsync(dir.Combine("host-key"));
        var port = silent.Port;
        await File.WriteAllTextAsync(dir.Combine("known_hosts"), $"[127.0.0.1]:{port} {(await File.ReadAllTextAsync(hostKey + ".pub")).Trim()}\n");
        var identity = await SshServer.KeyPairAsync(dir.Combine("identity"));

        await using var host = await ControlledDaemon.StartAsync("adhoc-after-earlier-daemon", cluster, config => config["Peers"] = new JsonObject
        {
            ["IdentityFile"] = identity, ["KnownHostsFile"] = dir.Combine("known_hosts"), ["Attempts"] = 1, ["ConnectTimeoutSeconds"] = 15,
            ["Targets"] = new JsonArray(new JsonObject { ["Host"] = "127.0.0.1", ["Port"] = port, ["Directory"] = "/var/lib/etcd-backupd/snapshots" }),
        });
        var earlier = Directory.GetFiles(host.Snapshots, "*.db").Single();
        await Eventually.UntilAsync(() => Task.FromResult(silent.Accepted > 0), TimeSpan.FromSeconds(10), "the first snapshot's copy to reach the silent peer");
        long written;
        await using (var connection = await cluster.ConnectAsync(cluster.Members[0]))
        {
            var put = await connection.KV.PutAsync(new PutRequest
            {
                Key = ByteString.CopyFromUtf8("/registry/configmaps/default/written-while-a-snapshot-runs"), Value = ByteString.CopyFromUtf8("{}"),
            });
            written = put.Header.Revision;
        }

        var result = await Backupctl.RunAsync(host.Socket, "snapshot", "--json");

        // Exit 5: saved, but its copy to the silent peer failed too.
        Assert.That(result.ExitCode, Is.EqualTo(5), result.ToString);
        var answer = JsonNode.Parse(result.StandardOutput)!;
        Assert.That(answer["path"]!.GetValue<string>(), Is.Not.EqualTo(earlier), "the snapshot begun before the request is not its answer");
        Assert.That(answer["revision"]!.GetValue<long>(), Is.GreaterThanOrEqualTo(written), "the answer holds the write made before the request");
        Assert.That(host.Daemon.Log, Does.Contain("began before the request"));
    }
}
