using System.Text.Json.Nodes;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Restore;

/// <summary>
/// <c>etcd-backupd restore</c> without the daemon, on three masters with real etcd members, sshd and the
/// peers' daemons; and the restore lock that keeps a one-shot and a daemon's restore apart.
/// </summary>
[Parallelizable(ParallelScope.None)]
internal sealed class OneShotRestoreTests
{
    [Test]
    [CancelAfter(240_000)]
    public async Task OneShotClusterRestore_WithThisMastersDaemonStopped_BringsBackEveryKeyOnAllThree()
    {
        await using var masters = await Masters.StartAsync(EtcdBinaries.V35);
        var before = await ClusterRestoreTests.WriteKubernetesLikeKeysAsync(masters);
        var snapshot = await ClusterRestoreTests.SnapshotAsync(masters);
        var coordinator = masters.All[0];
        await coordinator.Daemon!.DisposeAsync();
        coordinator.Daemon = null;
        await masters.PutAsync("/registry/pods/default/written-after-the-snapshot", "{}");
        masters.LoseTheData();

        var dryRun = await Backupd.RunAsync("restore", snapshot, "--cluster", "--dry-run", "--config", ConfigOf(coordinator));
        var log = Path.Combine(Path.GetDirectoryName(coordinator.Snapshots)!, "one-shot-restore.log");
        using var restore = Backupd.StartBackground(log, "restore", snapshot, "--cluster", "--yes", "--config", ConfigOf(coordinator));
        // The operator's SSH session drops (SIGHUP), then a stop is asked for (SIGTERM), once the restore is under way.
        await Eventually.UntilAsync(() => File.Exists(log) && File.ReadAllText(log).Contains("this master: stop kube-apiserver.service", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60), () => "the restore to stop this master's API server: " + (File.Exists(log) ? File.ReadAllText(log) : ""));
        foreach (var signal in new[] { "HUP", "TERM" })
        {
            Assert.That((await ProcessRunner.RunAsync("kill", [$"-{signal}", restore.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])).ExitCode, Is.Zero);
        }

        await restore.WaitForExitAsync();
        var said = File.ReadAllText(log);

        Assert.That(dryRun.ExitCode, Is.Zero, dryRun.ToString);
        Assert.That(dryRun.StandardOutput, Does.Contain("\"member\": \"this master\""), dryRun.ToString);
        Assert.That(restore.ExitCode, Is.Zero, () => said + string.Join("\n", masters.All.Select(masters.Log)));
        Assert.That(said, Does.Contain("SIGHUP ignored: the restore runs to its end").And.Contain("SIGTERM ignored: the restore runs to its end"));
        foreach (var m in masters.All)
        {
            Assert.That(await masters.RegistryKeysAsync(m), Is.EqualTo(before), $"{m.Name} serves the snapshot's keys, and only those");
        }

        await masters.AssertOneConsistentClusterAsync();
    }

    [Test]
    [CancelAfter(240_000)]
    public async Task OneShotClusterRestore_OfACronEraFileInARootOnlyDirectory_WithThisMastersDaemonStopped_ImportsItAndBringsBackEveryKey()
    {
        await using var masters = await Masters.StartAsync(EtcdBinaries.V35);
        using var offsite = new TempDirectory("oneshot-offsite");
        File.SetUnixFileMode(offsite.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var before = await ClusterRestoreTests.WriteKubernetesLikeKeysAsync(masters);
        var file = offsite.Combine("etcd-cron-2026-01-01.db");
        var saved = await ProcessRunner.RunAsync(EtcdBinaries.V35.Etcdctl, ["--endpoints", masters.All[0].ClientUrl.ToString(), "snapshot", "save", file],
            new Dictionary<string, string> { ["ETCDCTL_API"] = "3" });
        Assert.That(saved.ExitCode, Is.Zero, saved.ToString);
        var coordinator = masters.All[0];
        await coordinator.Daemon!.DisposeAsync();
        coordinator.Daemon = null;
        await masters.PutAsync("/registry/pods/default/written-after-the-snapshot", "{}");
        masters.LoseTheData();
        foreach (var f in masters.All.SelectMany(m => Directory.GetFiles(m.Snapshots)))
        {
            File.Delete(f);
        }

        var dryRun = await Backupd.RunAsync("restore", file, "--cluster", "--dry-run", "--config", ConfigOf(coordinator));
        // Only an import counts: a daemon's catch-up snapshot may still land here on a slow machine.
        var importedByDryRun = Directory.GetFiles(coordinator.Snapshots, "*-imported-*");
        var restore = await Backupd.RunAsync("restore", file, "--cluster", "--yes", "--config", ConfigOf(coordinator));

        Assert.That(dryRun.ExitCode, Is.Zero, dryRun.ToString);
        Assert.That(dryRun.StandardError, Does.Contain("a restore imports it first as"), dryRun.ToString);
        Assert.That(importedByDryRun, Is.Empty, "a dry run imports nothing");
        Assert.That(restore.ExitCode, Is.Zero, () => restore + string.Join("\n", masters.All.Select(masters.Log)));
        Assert.That(restore.StandardError, Does.Contain($"imported '{file}' as ").And.Contain("snapshot status stands in for it"), restore.ToString);
        foreach (var m in masters.All)
        {
            Assert.That(await masters.RegistryKeysAsync(m), Is.EqualTo(before), $"{m.Name} serves the snapshot's keys, and only those");
            Assert.That(Directory.GetFiles(m.Snapshots, "etcd-snapshot-*-imported-r*.db"), Has.Length.EqualTo(1), $"{m.Name} holds the imported file");
        }

        await masters.AssertOneConsistentClusterAsync();
    }

    [Test]
    [CancelAfter(240_000)]
    public async Task RestoreLock_HeldByAnotherProcess_RefusesBothTheOneShotAndTheDaemonsRestoreWithNothingStopped()
    {
        await using var masters = await Masters.StartAsync(EtcdBinaries.V35);
        var snapshot = await ClusterRestoreTests.SnapshotAsync(masters);
        var coordinator = masters.All[0];
        var services = masters.Services();
        var lockFile = Path.Combine(masters.StateDirectory(coordinator), "restore.lock");

        // What a one-shot restore on this master holds while it runs: flock(LOCK_EX) on the file.
        await using (new FileStream(lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            var daemon = await Backupctl.RunAsync(coordinator.Socket, "restore", snapshot, "--yes");
            var cluster = await Backupctl.RunAsync(coordinator.Socket, "restore", snapshot, "--cluster", "--yes");
            var oneShot = await Backupd.RunAsync("restore", snapshot, "--yes", "--config", ConfigOf(coordinator));

            foreach (var refused in new[] { daemon, cluster, oneShot })
            {
                Assert.That(refused.ExitCode, Is.EqualTo(1), refused.ToString);
                Assert.That(refused.StandardError, Does.Contain("another process is restoring this member").And.Contain(lockFile), refused.ToString);
            }
        }

        Assert.That(masters.Services(), Is.EqualTo(services), "every etcd and API server stand-in runs as before, untouched");
        var after = await Backupctl.RunAsync(coordinator.Socket, "restore", snapshot, "--cluster", "--dry-run");
        Assert.That(after.ExitCode, Is.Zero, "the lock released, the plan is clean: " + after);
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task OneShotRestore_WithoutYesOrOfAMissingOrNonSnapshotFile_IsRefusedAndNothingIsImported()
    {
        using var dir = new TempDirectory("oneshot-usage");
        var config = Backupd.WriteConfig(dir.Combine("config.json"), Backupd.ConfigWithoutEtcd(dir));
        var name = "etcd-snapshot-20260101T000000Z-m1-r5.db";

        var unconfirmed = await Backupd.RunAsync("restore", name, "--config", config);
        var missing = await Backupd.RunAsync("restore", dir.Combine("nowhere", "snap.db"), "--yes", "--config", config);
        var notASnapshot = await Backupd.RunAsync("restore", "/etc/passwd", "--yes", "--config", config);

        Assert.That(unconfirmed.ExitCode, Is.EqualTo(2), unconfirmed.ToString);
        Assert.That(unconfirmed.StandardError, Does.Contain("confirm with --yes"));
        Assert.That(missing.ExitCode, Is.EqualTo(2), missing.ToString);
        Assert.That(missing.StandardError, Does.Contain("cannot open").And.Contain("snap.db"), missing.ToString);
        Assert.That(notASnapshot.ExitCode, Is.EqualTo(1), notASnapshot.ToString);
        Assert.That(notASnapshot.StandardError, Does.Contain("/etc/passwd").And.Not.Contain("Exception"), notASnapshot.ToString);
        Assert.That(Directory.GetFiles(dir.Combine("snapshots")), Is.Empty, "nothing imported, no partial left");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task OneShotDryRunOfOneMember_PrintsItsPlan_AndExitsOneOnlyWhenThePlanListsAProblem()
    {
        using var dir = new TempDirectory("oneshot-dry-run");
        var config = Backupd.ConfigWithoutEtcd(dir);
        var restore = new JsonObject
        {
            ["UnitFile"] = dir.Combine("no-such-etcd.service"), ["Tool"] = EtcdBinaries.V34.Etcdctl, ["Name"] = "m1",
            ["InitialClusterToken"] = "tok", ["InitialAdvertisePeerUrls"] = "http://127.0.0.1:2380", ["DataDir"] = dir.Combine("never-touched"),
        };
        config["Restore"] = restore;
        var incomplete = Backupd.WriteConfig(dir.Combine("incomplete.json"), config);
        restore["InitialCluster"] = "m1=http://127.0.0.1:2380";
        var complete = Backupd.WriteConfig(dir.Combine("complete.json"), config);
        var snapshot = Path.GetFileName(SyntheticSnapshots.Write(dir.Combine("snapshots"), DateTimeOffset.UtcNow));

        var clean = await Backupd.RunAsync("restore", snapshot, "--dry-run", "--config", complete);
        var lacking = await Backupd.RunAsync("restore", snapshot, "--dry-run", "--config", incomplete);

        Assert.That(clean.ExitCode, Is.Zero, clean.ToString);
        Assert.That(JsonNode.Parse(clean.StandardOutput)!["problems"]!.AsArray(), Is.Empty, clean.ToString);
        Assert.That(lacking.ExitCode, Is.EqualTo(1), lacking.ToString);
        Assert.That(JsonNode.Parse(lacking.StandardOutput)!["problems"]!.AsArray().Select(p => (string)p!),
            Has.One.StartsWith("Restore.InitialCluster:"), lacking.ToString);
        Assert.That(Directory.Exists(dir.Combine("never-touched")), Is.False, "a dry run changes nothing");
    }

    private static string ConfigOf(Master m) => Path.Combine(Path.GetDirectoryName(m.Socket)!, "config.json");
}
