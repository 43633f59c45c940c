using System.Text.Json.Nodes;
using EtcdBackupd.Snapshots;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Restore;

/// <summary>
/// The runbook's cluster restore, replayed: three masters on loopback with real etcd members, each with
/// its own daemon and control socket, driven by one <c>etcd-backupctl restore FILE --cluster --yes</c>.
/// </summary>
[Parallelizable(ParallelScope.None)]
internal sealed class ClusterRestoreTests
{
    internal static readonly object[] Versions = [.. EtcdBinaries.All.Select(b => new object[] { b.Label })];

    private static EtcdBinaries Etcd(string version) => EtcdBinaries.Of(version);

    [TestCaseSource(nameof(Versions))]
    [CancelAfter(240_000)]
    public async Task ClusterRestore_AfterEveryMemberLostItsData_BringsBackEveryKeyOnThreeHealthyMembersWithOneLeader(string version)
    {
        await using var masters = await Masters.StartAsync(Etcd(version));
        var before = await WriteKubernetesLikeKeysAsync(masters);
        var snapshot = await SnapshotAsync(masters);
        await masters.PutAsync("/registry/pods/default/written-after-the-snapshot", "{}");
        masters.LoseTheData();

        var restore = await Backupctl.RunAsync(masters.All[0].Socket, "restore", snapshot, "--cluster", "--yes");

        Assert.That(restore.ExitCode, Is.Zero, () => restore + string.Join("\n", masters.All.Select(masters.Log)));
        foreach (var m in masters.All)
        {
            Assert.That(await masters.RegistryKeysAsync(m), Is.EqualTo(before), $"{m.Name} serves the snapshot's keys, and only those");
            var old = Directory.GetDirectories(Path.GetDirectoryName(m.DataDir)!, "etcd.before-restore-*");
            Assert.That(old.Select(d => Directory.Exists(Path.Combine(d, "member_bak"))), Is.EqualTo(new[] { true }), $"{m.Name}'s old data directory is kept");
            Assert.That(m.ApiServerRunning, Is.True, $"{m.Name}'s API server stand-in runs again");
        }

        var statuses = new List<(ulong Leader, ulong Cluster, ulong Member)>();
        foreach (var m in masters.All)
        {
            await using var connection = await masters.ConnectAsync(m);
            statuses.Add((connection.Status.Leader, connection.Status.Header.ClusterId, connection.Status.Header.MemberId));
            Assert.That((await connection.Cluster.MemberListAsync(new())).Members, Has.Count.EqualTo(3));
        }

        Assert.That(statuses.Select(s => s.Leader).Distinct().Count(), Is.EqualTo(1), "one leader");
        Assert.That(statuses.Select(s => s.Cluster).Distinct().Count(), Is.EqualTo(1), "one cluster ID");
        Assert.That(statuses.Select(s => s.Member).Distinct().Count(), Is.EqualTo(3), "three members");
        Assert.That(restore.StandardError, Does.Match(@"restore: \[ +\d+\.\d s\] this master: stop kube-apiserver.service")
            .And.Contain($" root@127.0.0.1:{masters.Ssh!.Port}: restored: "));
    }

    [Test]
    [CancelAfter(240_000)]
    public async Task ClusterRestore_SigtermToTheCoordinatorDuringRestoreData_CompletesEverywhereBeforeItExits()
    {
        await using var masters = await Masters.StartAsync(EtcdBinaries.V35, (i, config) =>
        {
            if (i == 0)
            {
                // A restore that takes a few seconds here, so the stop lands in the middle of restore-data.
                ClusterRestoreFaultTests.Hooks.SlowTool(config, seconds: 4);
            }
        });
        var keys = await WriteKubernetesLikeKeysAsync(masters);
        var snapshot = await SnapshotAsync(masters);
        masters.LoseTheData();
        var coordinator = masters.All[0].Daemon!;

        var restore = Backupctl.RunAsync(masters.All[0].Socket, "restore", snapshot, "--cluster", "--yes");
        await coordinator.WaitForLogAsync("Restore: moved", TimeSpan.FromSeconds(60));
        var exit = await coordinator.TerminateAsync(TimeSpan.FromSeconds(120));
        var result = await restore;

        Assert.That(result.ExitCode, Is.Zero, () => result + string.Join("\n", masters.All.Select(masters.Log)));
        Assert.That(exit, Is.Zero, coordinator.Log);
        Assert.That(coordinator.Log, Does.Contain("Stopping: waiting for cluster restore session").And.Contain("has ended"));
        await masters.WaitHealthyAsync();
        foreach (var m in masters.All)
        {
            Assert.That(await masters.RegistryKeysAsync(m), Is.EqualTo(keys), $"{m.Name} serves the snapshot's keys");
        }
    }

    [Test]
    [CancelAfter(240_000)]
    public async Task ClusterRestore_AMemberStartedOnItsOldDataAfterwards_IsRefusedByTheRestoredClusterNotJoined()
    {
        await using var masters = await Masters.StartAsync(EtcdBinaries.V35);
        var keys = await WriteKubernetesLikeKeysAsync(masters);
        var snapshot = await SnapshotAsync(masters);
        var restore = await Backupctl.RunAsync(masters.All[0].Socket, "restore", snapshot, "--cluster", "--yes");
        Assert.That(restore.ExitCode, Is.Zero, () => restore + string.Join("\n", masters.All.Select(masters.Log)));
        ulong restoredCluster;
        await using (var first = await masters.ConnectAsync(masters.All[0]))
        {
            restoredCluster = first.Status.Header.ClusterId;
        }

        // What a failed rollback or a cut link could leave: one member back on its data from before the restore.
        var stale = masters.All[2];
        await masters.StopEtcdAsync(stale);
        var old = Directory.GetDirectories(Path.GetDirectoryName(stale.DataDir)!, "etcd.before-restore-*").Single();
        Directory.Move(stale.DataDir, stale.DataDir + ".restored");
        Directory.Move(old, stale.DataDir);
        await masters.StartEtcdAsync(stale);

        await Eventually.UntilAsync(() => Task.FromResult(File.ReadAllText(stale.DataDir + ".log").Contains("cluster ID mismatch", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), "the stale member to be told its cluster ID does not match");
        foreach (var m in masters.All.Take(2))
        {
            await using var connection = await masters.ConnectAsync(m);
            Assert.That(connection.Status.Header.ClusterId, Is.EqualTo(restoredCluster), $"{m.Name} is still in the restored cluster");
            Assert.That(await masters.RegistryKeysAsync(m), Is.EqualTo(keys), $"{m.Name} still serves the snapshot's keys");
        }
    }

    [Test]
    [CancelAfter(240_000)]
    public async Task ClusterRestore_WhenTheToolFailsOnOneMember_RollsBackEveryMemberAndTheOldDataIsServed()
    {
        await using var masters = await Masters.StartAsync(EtcdBinaries.V35, (i, config) =>
        {
            if (i == 2)
            {
                ClusterRestoreFaultTests.Hooks.FailingTool(config);
            }
        });
        await WriteKubernetesLikeKeysAsync(masters);
        var snapshot = await SnapshotAsync(masters);
        await masters.PutAsync("/registry/pods/default/written-after-the-snapshot", "{}");
        var expected = await masters.RegistryKeysAsync(masters.All[0]);

        var restore = await Backupctl.RunAsync(masters.All[0].Socket, "restore", snapshot, "--cluster", "--yes");
        await masters.WaitHealthyAsync();

        Assert.That(restore.ExitCode, Is.EqualTo(1), restore.ToString);
        Assert.That(restore.StandardError, Does.Contain("cluster restore failed in phase 'restore-data'")
            .And.Contain("every member that got that far (3) was rolled back to its old data"));
        foreach (var m in masters.All)
        {
            Assert.That(await masters.RegistryKeysAsync(m), Is.EqualTo(expected), $"{m.Name} serves the old data again");
            Assert.That(m.ApiServerRunning, Is.True, $"{m.Name}'s API server stand-in runs again");
            Assert.That(Directory.GetDirectories(Path.GetDirectoryName(m.DataDir)!, "etcd.before-restore-*"), Is.Empty, $"{m.Name}'s old data is back in place");
        }
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task ClusterRestore_CorruptOrTruncatedSnapshot_IsRefusedBeforeAnyServiceStops()
    {
        await using var masters = await Masters.StartAsync(EtcdBinaries.V35);
        var corrupt = Path.GetFileName(SyntheticSnapshots.Write(masters.All[0].Snapshots, DateTimeOffset.UtcNow.AddDays(-1), corrupt: true));
        var good = await SnapshotAsync(masters);
        var truncated = TruncatedCopy(masters.All[0].Snapshots, good);
        var running = masters.Services();

        var corruptRestore = await Backupctl.RunAsync(masters.All[0].Socket, "restore", corrupt, "--cluster", "--yes");
        var truncatedRestore = await Backupctl.RunAsync(masters.All[0].Socket, "restore", truncated, "--cluster", "--yes");

        Assert.That(corruptRestore.ExitCode, Is.EqualTo(1), corruptRestore.ToString);
        Assert.That(corruptRestore.StandardError, Does.Contain("nothing was stopped"));
        Assert.That(truncatedRestore.ExitCode, Is.EqualTo(1), truncatedRestore.ToString);
        Assert.That(truncatedRestore.StandardError, Does.Contain("fails etcd's SHA-256 trailer check; nothing was stopped"));
        Assert.That(masters.Services(), Is.EqualTo(running), "every etcd is the same process and every API server stand-in still runs");
        Assert.That(File.Exists(Path.Combine(masters.All[1].Snapshots, truncated)), Is.False, "a bad snapshot is not pushed to the peers");
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task ClusterRestore_WithAPeerUnreachable_AbortsBeforeAnythingStops()
    {
        await using var masters = await Masters.StartAsync(EtcdBinaries.V35);
        var snapshot = await SnapshotAsync(masters);
        var running = masters.Services();
        await masters.Ssh!.DisposeAsync();

        var restore = await Backupctl.RunAsync(masters.All[0].Socket, "restore", snapshot, "--cluster", "--yes");

        Assert.That(restore.ExitCode, Is.EqualTo(1), restore.ToString);
        Assert.That(restore.StandardError, Does.Contain("cannot reach every member, nothing was stopped")
            .And.Contain($"root@127.0.0.1:{masters.Ssh.Port}"));
        Assert.That(masters.Services(), Is.EqualTo(running));
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task ClusterRestore_DryRun_PrintsEveryMembersExactCommand_LeavesOutABackupHost_AndChangesNothing()
    {
        // The first master also pushes to a backup host that runs no daemon (Prune: true): it is no member, and asking
        // it for a plan (no daemon, no control socket) failed every cluster restore and recovery.
        using var backupHost = new TempDirectory("backup-host");
        await using var masters = await Masters.StartAsync(EtcdBinaries.V35, (i, config) =>
        {
            var targets = config["Peers"]!["Targets"]!.AsArray();
            if (i == 0)
            {
                targets.Add(new JsonObject
                {
                    ["Host"] = "127.0.0.1", ["Port"] = targets[0]!["Port"]!.GetValue<int>(), ["Directory"] = backupHost.Path, ["Prune"] = true,
                    ["ControlSocket"] = backupHost.Combine("no-daemon.sock"),
                });
            }
        });
        var snapshot = await SnapshotAsync(masters);
        var running = masters.Services();

        var plan = await Backupctl.RunAsync(masters.All[0].Socket, "restore", snapshot, "--cluster", "--dry-run", "--json");
        var table = await Backupctl.RunAsync(masters.All[0].Socket, "restore", snapshot, "--cluster", "--dry-run");

        Assert.That(plan.ExitCode, Is.Zero, plan.ToString);
        var members = JsonNode.Parse(plan.StandardOutput)!["members"]!.AsArray();
        Assert.That(members.Select(m => m!["member"]!.GetValue<string>()).ToList(), Has.Member("this master").And.Count.EqualTo(3));
        for (var i = 0; i < 3; i++)
        {
            var m = masters.All[i];
            var entry = members.Single(e => e!["parameters"]?["name"]?["value"]?.GetValue<string>() == m.Name)!;
            Assert.That(entry["command"]!.GetValue<string>(), Is.EqualTo(
                $"{EtcdBinaries.V35.Etcdutl} snapshot restore {Path.Combine(m.Snapshots, snapshot)} --name {m.Name} "
                + $"--initial-cluster {string.Join(',', masters.All.Select(o => $"{o.Name}={o.PeerUrl.ToString().TrimEnd('/')}"))} "
                + $"--initial-cluster-token {masters.Token}-restore-SESSION --initial-advertise-peer-urls {m.PeerUrl.ToString().TrimEnd('/')} "
                + $"--data-dir {m.DataDir} --bump-revision 1000000000 --mark-compacted"));
            Assert.That(entry["copy"]!.GetValue<string>(), Is.EqualTo("same snapshot"));
        }

        Assert.That(table.ExitCode, Is.Zero, table.ToString);
        Assert.That(table.StandardOutput, Does.Contain("| MEMBER ").And.Contain("| PHASES ").And.Contain("stop-api, stop-etcd, restore-data"));
        Assert.That(masters.Services(), Is.EqualTo(running), "a dry run changes nothing");
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task ClusterRestore_FromANonRootClient_IsRefused()
    {
        await using var masters = await Masters.StartAsync(EtcdBinaries.V35, (i, config) => config["Control"]!["Group"] = "nogroup");
        var snapshot = await SnapshotAsync(masters);
        var running = masters.Services();

        var restore = await Backupctl.RunAsAsync("nobody", "nogroup", masters.All[0].Socket, "restore", snapshot, "--cluster", "--yes");
        var phase = await Backupctl.RunAsAsync("nobody", "nogroup", masters.All[1].Socket, "call",
            """{"command":"restore-phase","phase":"stop-etcd","session":"x"}""");

        Assert.That(restore.ExitCode, Is.EqualTo(1), restore.ToString);
        Assert.That(restore.StandardError, Does.Contain("needs root"));
        Assert.That(phase.StandardOutput, Does.Contain("\"forbidden\""), "a member's phases are root's too");
        Assert.That(masters.Services(), Is.EqualTo(running));
    }

    /// <summary>Namespaces, pods and a secret under /registry/, as Kubernetes lays them out; returns the keys, sorted.</summary>
    internal static async Task<string[]> WriteKubernetesLikeKeysAsync(Masters masters)
    {
        string[] keys =
        [
            "/registry/namespaces/default", "/registry/namespaces/kube-system",
            .. Enumerable.Range(0, 20).Select(i => $"/registry/pods/default/web-{i}"),
            "/registry/secrets/kube-system/bootstrap-token-abcdef",
        ];
        foreach (var key in keys)
        {
            await masters.PutAsync(key, $"{{\"kind\":\"{key.Split('/')[2]}\"}}");
        }

        return [.. keys.Order()];
    }

    /// <summary>An ad-hoc snapshot on the first master (it pushes to the other two); its file name.</summary>
    internal static async Task<string> SnapshotAsync(Masters masters)
    {
        var result = await Backupctl.RunAsync(masters.All[0].Socket, "snapshot", "--json");
        Assert.That(result.ExitCode, Is.Zero, result.ToString);
        var json = JsonNode.Parse(result.StandardOutput)!;
        Assert.That(json["peers"]!.AsArray().Select(p => p!["ok"]!.GetValue<bool>()), Is.All.True, json.ToJsonString());
        Assert.That(json["peers"]!.AsArray(), Has.Count.AtLeast(2), "one copy on each other master at least");
        return Path.GetFileName(json["path"]!.GetValue<string>());
    }

    /// <summary>The first half of a good snapshot under a newer snapshot name, with the good one's manifest: a copy cut short.</summary>
    private static string TruncatedCopy(string directory, string good)
    {
        var time = DateTimeOffset.UtcNow.AddMinutes(5).ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var name = System.Text.RegularExpressions.Regex.Replace(good, @"\d{8}T\d{6}Z", time);
        var bytes = File.ReadAllBytes(Path.Combine(directory, good));
        File.WriteAllBytes(Path.Combine(directory, name), bytes[..(bytes.Length / 2)]);
        File.Copy(SnapshotFileName.ManifestOf(Path.Combine(directory, good)), SnapshotFileName.ManifestOf(Path.Combine(directory, name)));
        return name;
    }
}
