using System.Text.Json.Nodes;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Restore;

/// <summary>
/// A cluster restore that meets the failures real outages bring: its coordinator's daemon killed in each
/// phase, a link cut, a prune, a rollback from another master. Three masters on loopback with real etcd,
/// real sshd and three daemons; fault hooks sit in the first master's start commands and restore tool.
/// Each test ends with one healthy cluster: one leader, one cluster ID, the same hashkv on all three.
/// </summary>
[Parallelizable(ParallelScope.None)]
internal sealed class ClusterRestoreFaultTests
{
    private static readonly object[] KillCases =
    [
        .. new[] { "3.5", "3.4", "3.5-sid" }.SelectMany(v => new[] { "restore-data", "start-etcd", "wait-healthy", "start-api" }.Select(p => new object[] { v, p })),
    ];

    /// <summary>Test lease: a recovery waits this long for a dead coordinator's lease to run out.</summary>
    private const int LeaseSeconds = 10;

    [TestCaseSource(nameof(KillCases))]
    [CancelAfter(300_000)]
    public async Task CoordinatorKilledInAPhase_ThenRecoverFromAnotherMaster_EndsTheRestoreOneWayOnEveryMember(string version, string phase)
    {
        var hooks = new Hooks();
        await using var masters = await Masters.StartAsync(EtcdBinaries.Of(version), (i, config) =>
        {
            config["Restore"]!["LeaseSeconds"] = LeaseSeconds;
            if (i == 0)
            {
                hooks.Install(config, phase);
            }
        });
        var snapshotKeys = await ClusterRestoreTests.WriteKubernetesLikeKeysAsync(masters);
        var snapshot = await ClusterRestoreTests.SnapshotAsync(masters);
        await masters.PutAsync("/registry/pods/default/written-after-the-snapshot", "{}");
        var keysBefore = await masters.RegistryKeysAsync(masters.All[0]);
        var (coordinator, other) = (masters.All[0], masters.All[1]);

        hooks.Arm();
        var restore = Backupctl.RunAsync(coordinator.Socket, "restore", snapshot, "--cluster", "--yes");
        await hooks.WaitReachedAsync(coordinator);
        var session = await OpenSessionAsync(other);
        await masters.KillAndRestartDaemonAsync(coordinator);
        var interrupted = await restore;

        var recover = await Backupctl.RunAsync(other.Socket, "restore", "--recover", session, "--yes", "--json");

        Assert.That(interrupted.ExitCode, Is.Not.Zero, "the coordinator died before it could answer");
        Assert.That(recover.ExitCode, Is.Zero, () => recover + string.Join("\n", masters.All.Select(masters.Log)));
        var decision = JsonNode.Parse(recover.StandardOutput)!["decision"]!.GetValue<string>();
        var restored = phase != "restore-data";
        Assert.That(decision, Is.EqualTo(restored ? "finish" : "roll-back"), recover.ToString);
        await masters.AssertOneConsistentClusterAsync();
        foreach (var m in masters.All)
        {
            Assert.That(await masters.RegistryKeysAsync(m), Is.EqualTo(restored ? snapshotKeys : keysBefore),
                $"{m.Name} serves {(restored ? "the snapshot's keys" : "its old keys")}");
            Assert.That(m.ApiServerRunning, Is.True, $"{m.Name}'s API server stand-in runs");
            Assert.That(Directory.GetDirectories(Path.GetDirectoryName(m.DataDir)!, "etcd.before-restore-*"), Has.Length.EqualTo(restored ? 1 : 0),
                restored ? $"{m.Name}'s old data is kept beside the restored one" : $"{m.Name}'s old data is back in place");
        }

        var again = await Backupctl.RunAsync(masters.All[2].Socket, "restore", "--recover", session, "--yes", "--json");
        Assert.That(JsonNode.Parse(again.StandardOutput)?["decision"]?.GetValue<string>(), Is.EqualTo("nothing"), "a second recovery finds the session ended everywhere");
    }

    [Test]
    [CancelAfter(300_000)]
    public async Task AMemberWhoseRecordOfTheSessionCannotBeRead_StopsTheRecovery_UntilTheRecordIsPutRight()
    {
        var hooks = new Hooks();
        await using var masters = await Masters.StartAsync(EtcdBinaries.Of("3.5"), (i, config) =>
        {
            config["Restore"]!["LeaseSeconds"] = LeaseSeconds;
            if (i == 0)
            {
                hooks.Install(config, "start-etcd");
            }
        });
        var snapshotKeys = await ClusterRestoreTests.WriteKubernetesLikeKeysAsync(masters);
        var snapshot = await ClusterRestoreTests.SnapshotAsync(masters);
        var (coordinator, other, third) = (masters.All[0], masters.All[1], masters.All[2]);
        hooks.Arm();
        var restore = Backupctl.RunAsync(coordinator.Socket, "restore", snapshot, "--cluster", "--yes");
        await hooks.WaitReachedAsync(coordinator);
        var session = await OpenSessionAsync(other);
        await masters.KillAndRestartDaemonAsync(coordinator);
        await restore;
        // The third member's record cut short (a full disk at the write, an edit), and its daemon started again.
        var record = Path.Combine(masters.StateDirectory(third), "restore-sessions", session + ".json");
        var whole = await SettledAsync(record);
        await File.WriteAllBytesAsync(record, whole[..(whole.Length / 2)]);
        await masters.KillAndRestartDaemonAsync(third);

        var refused = await Backupctl.RunAsync(other.Socket, "restore", "--recover", session, "--yes", "--json");
        var mistyped = await Backupctl.RunAsync(other.Socket, "restore", "--recover", session + "x", "--yes");

        // Read as "never opened", the recovery rolled the other two back and left this one on the restored data, exit 0.
        Assert.That(refused.ExitCode, Is.EqualTo(1), () => refused + string.Join("\n", masters.All.Select(masters.Log)));
        Assert.That(refused.StandardError, Does.Contain($"{session}.json").And.Contain("cannot be read").And.Contain("nothing was changed"), refused.ToString);
        Assert.That(JsonNode.Parse(refused.StandardOutput)?["decision"]?.GetValue<string>(), Is.EqualTo("nothing"), "--json prints the result beside the error");
        Assert.That(mistyped.ExitCode, Is.EqualTo(1), mistyped.ToString);
        Assert.That(mistyped.StandardError, Does.Contain("(not_found)").And.Contain("no member has a record"), mistyped.ToString);

        await File.WriteAllBytesAsync(record, whole);
        var recovered = await Backupctl.RunAsync(other.Socket, "restore", "--recover", session, "--yes", "--json");

        Assert.That(recovered.ExitCode, Is.Zero, () => recovered + string.Join("\n", masters.All.Select(masters.Log)));
        Assert.That(JsonNode.Parse(recovered.StandardOutput)!["decision"]!.GetValue<string>(), Is.EqualTo("finish"));
        await masters.AssertOneConsistentClusterAsync();
        Assert.That(await masters.RegistryKeysAsync(third), Is.EqualTo(snapshotKeys));
    }

    /// <summary>A member's record once no step of its own changes it any more (the same bytes for 3 s).</summary>
    private static async Task<byte[]> SettledAsync(string record)
    {
        var last = await File.ReadAllBytesAsync(record);
        await Eventually.UntilAsync(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(3));
            var now = await File.ReadAllBytesAsync(record);
            var same = now.AsSpan().SequenceEqual(last);
            last = now;
            return same;
        }, TimeSpan.FromSeconds(60), "the record to settle");
        return last;
    }

    [Test]
    [CancelAfter(240_000)]
    public Task AMembersDaemonKilledAndStartedAgainDuringRestoreData_IsAskedAgainAndTheRestoreCompletes() =>
        // What systemd does to a unit whose main process dies: the control group killed, the daemon started again.
        RestoreCompletesDespiteAsync((masters, member) => masters.KillAndRestartDaemonAsync(member), coordinatorSays: "gave no answer");

    [Test]
    [CancelAfter(240_000)]
    public Task SshConnectionToAMemberCutDuringRestoreData_TheCoordinatorReconnectsAndTheRestoreCompletes() =>
        RestoreCompletesDespiteAsync(async (_, cut) =>
        {
            var call = ProcessTree.Find("etcd-backupctl", cut.Socket, "call -").Single();
            var sshd = ProcessTree.Ancestor(call, "sshd:") ?? throw new AssertionException($"no sshd process above {ProcessTree.CommandLine(call)}");
            await ProcessRunner.RunAsync("kill", ["-KILL", sshd.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }, coordinatorSays: "reconnecting and asking again");

    /// <summary>
    /// A cluster restore from the first of three masters on real etcd 3.5 and sshd, <paramref name="fault"/> done to the third
    /// once it has moved its data aside (its restore tool then takes 4 s): the restore completes, the coordinator's journal
    /// says <paramref name="coordinatorSays"/>, and every member serves the snapshot's keys in one cluster.
    /// </summary>
    private static async Task RestoreCompletesDespiteAsync(Func<Masters, Master, Task> fault, string coordinatorSays)
    {
        await using var masters = await Masters.StartAsync(EtcdBinaries.V35, (i, config) =>
        {
            if (i == 2)
            {
                Hooks.SlowTool(config, seconds: 4);
            }
        });
        var keys = await ClusterRestoreTests.WriteKubernetesLikeKeysAsync(masters);
        var snapshot = await ClusterRestoreTests.SnapshotAsync(masters);
        var member = masters.All[2];

        var restore = Backupctl.RunAsync(masters.All[0].Socket, "restore", snapshot, "--cluster", "--yes");
        await member.Daemon!.WaitForLogAsync("Restore: moved", TimeSpan.FromSeconds(60));
        await fault(masters, member);
        var result = await restore;

        Assert.That(result.ExitCode, Is.Zero, () => result + string.Join("\n", masters.All.Select(masters.Log)));
        Assert.That(masters.All[0].Daemon!.Log, Does.Contain(coordinatorSays));
        await masters.AssertOneConsistentClusterAsync();
        foreach (var m in masters.All)
        {
            Assert.That(await masters.RegistryKeysAsync(m), Is.EqualTo(keys), $"{m.Name} serves the snapshot's keys");
        }
    }

    [Test]
    [CancelAfter(240_000)]
    public async Task PruneOnEveryMasterDuringTheRestoreOfASnapshotOlderThanTheWindow_KeepsTheSnapshotAndTheRestoreCompletes()
    {
        await using var masters = await Masters.StartAsync(EtcdBinaries.V35, (i, config) =>
        {
            config["Snapshots"]!["RetentionDays"] = 1;
            config["Snapshots"]!["MinimumKept"] = 1;
            if (i == 0)
            {
                Hooks.SlowTool(config, seconds: 5);
            }
        });
        var keys = await ClusterRestoreTests.WriteKubernetesLikeKeysAsync(masters);
        var fresh = await ClusterRestoreTests.SnapshotAsync(masters);
        var old = masters.All.Select(m => OlderCopy(m.Snapshots, fresh, TimeSpan.FromDays(10))).Distinct().Single();
        var dryRun = await Backupctl.RunAsync(masters.All[1].Socket, "prune", "--dry-run", "--json");
        Assert.That(dryRun.StandardOutput, Does.Contain(old), "without a restore, retention would delete the old snapshot");

        var restore = Backupctl.RunAsync(masters.All[0].Socket, "restore", old, "--cluster", "--yes");
        await masters.All[0].Daemon!.WaitForLogAsync("Restore: moved", TimeSpan.FromSeconds(60));
        var prunes = await Task.WhenAll(masters.All.Select(m => Backupctl.RunAsync(m.Socket, "prune")));
        var result = await restore;

        Assert.That(prunes.Select(p => p.StandardError), Has.All.Contain("retention does not run while cluster restore session"));
        Assert.That(result.ExitCode, Is.Zero, () => result + string.Join("\n", masters.All.Select(masters.Log)));
        foreach (var m in masters.All)
        {
            Assert.That(File.Exists(Path.Combine(m.Snapshots, old)), Is.True, $"{m.Name} still has the snapshot being restored");
            Assert.That(await masters.RegistryKeysAsync(m), Is.EqualTo(keys));
        }

        await masters.AssertOneConsistentClusterAsync();
    }

    [Test]
    [CancelAfter(240_000)]
    public async Task ARollbackFromAnotherMasterWhileTheCoordinatorIsAlive_IsRefusedAndTouchesNothing()
    {
        await using var masters = await Masters.StartAsync(EtcdBinaries.V35, (i, config) =>
        {
            if (i == 0)
            {
                Hooks.SlowTool(config, seconds: 6);
            }
        });
        var keys = await ClusterRestoreTests.WriteKubernetesLikeKeysAsync(masters);
        var snapshot = await ClusterRestoreTests.SnapshotAsync(masters);
        var other = masters.All[1];

        var restore = Backupctl.RunAsync(masters.All[0].Socket, "restore", snapshot, "--cluster", "--yes");
        await masters.All[0].Daemon!.WaitForLogAsync("Restore: moved", TimeSpan.FromSeconds(60));
        var session = await OpenSessionAsync(other);
        var rollback = await Backupctl.RunAsync(other.Socket, "call", $$"""{"command":"restore-phase","session":"{{session}}","phase":"rollback"}""");
        var recoverPlan = await Backupctl.RunAsync(other.Socket, "restore", "--recover", session, "--dry-run", "--json");
        var result = await restore;

        Assert.That(rollback.StandardOutput, Does.Contain("\"lease_held\"").And.Contain("nothing was touched"), rollback.ToString);
        Assert.That(JsonNode.Parse(recoverPlan.StandardOutput)!["reason"]!.GetValue<string>(), Does.StartWith("the session's coordinator still holds it"), recoverPlan.ToString);
        Assert.That(result.ExitCode, Is.Zero, () => result + string.Join("\n", masters.All.Select(masters.Log)));
        Assert.That(result.StandardError, Does.Not.Contain("rolled back"));
        await masters.AssertOneConsistentClusterAsync();
        foreach (var m in masters.All)
        {
            Assert.That(await masters.RegistryKeysAsync(m), Is.EqualTo(keys), $"{m.Name} serves the snapshot's keys");
        }
    }

    /// <summary>The session a master holds open, from its <c>status --json</c>.</summary>
    private static async Task<string> OpenSessionAsync(Master master)
    {
        string? session = null;
        await Eventually.UntilAsync(async () =>
        {
            var status = await Backupctl.RunAsync(master.Socket, "status", "--json");
            session = JsonNode.Parse(status.StandardOutput)?["restoreSession"]?["session"]?.GetValue<string>();
            return session is not null;
        }, TimeSpan.FromSeconds(30), $"{master.Name} to show its open restore session in status");
        return session!;
    }

    /// <summary>A copy of <paramref name="snapshot"/> named as if taken <paramref name="age"/> ago, with its manifest; its file name.</summary>
    private static string OlderCopy(string directory, string snapshot, TimeSpan age)
    {
        var time = DateTimeOffset.UtcNow.Subtract(age).ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var name = System.Text.RegularExpressions.Regex.Replace(snapshot, @"\d{8}T\d{6}Z", time);
        File.Copy(Path.Combine(directory, snapshot), Path.Combine(directory, name));
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(directory, Path.ChangeExtension(snapshot, ".json"))))!;
        manifest["fileName"] = name;
        File.WriteAllText(Path.Combine(directory, Path.ChangeExtension(name, ".json")), manifest.ToJsonString());
        return name;
    }

    /// <summary>
    /// Fault hooks in the first master's commands: armed by a file, each holds the coordinator in one
    /// phase (a start that never returns, a restore tool that sleeps, an etcd that starts late) and says
    /// it has been reached with another file, so the test kills the daemon there and nowhere else.
    /// </summary>
    internal sealed class Hooks
    {
        private string _dir = "";
        private string _phase = "";

        private string Gate => Path.Combine(_dir, "fault-gate");

        private string Reached => Path.Combine(_dir, "fault-reached");

        public void Install(JsonObject config, string phase)
        {
            _phase = phase;
            _dir = Path.GetDirectoryName(config["Restore"]!["UnitFile"]!.GetValue<string>())!;
            var commands = config["Restore"]!["Commands"]!;
            var armed = $"if [ -f {Gate} ]; then rm -f {Gate}; touch {Reached}; ";
            switch (phase)
            {
                case "restore-data":
                    SlowTool(config, seconds: 30);
                    break;
                case "start-etcd":
                    commands["etcd.service"]!["Start"] = armed + "sleep 600; fi; " + commands["etcd.service"]!["Start"]!.GetValue<string>();
                    break;
                case "wait-healthy":
                    // etcd starts 5 s late, in the background: the coordinator waits for it in wait-healthy.
                    var start = commands["etcd.service"]!["Start"]!.GetValue<string>();
                    var late = start.Replace(" & echo $!", "; } & echo $!", StringComparison.Ordinal);
                    commands["etcd.service"]!["Start"] = $"if [ -f {Gate} ]; then rm -f {Gate}; {{ sleep 5; exec {late}; touch {Reached}; else {start}; fi";
                    break;
                case "start-api":
                    commands["kube-apiserver.service"]!["Start"] = armed + "sleep 600; fi; " + commands["kube-apiserver.service"]!["Start"]!.GetValue<string>();
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(phase), phase, null);
            }
        }

        public void Arm() => File.WriteAllText(Gate, "");

        /// <summary>Until the coordinator is in the phase: its hook ran (or, in restore-data, it moved its data aside).</summary>
        public async Task WaitReachedAsync(Master coordinator)
        {
            if (_phase == "restore-data")
            {
                await coordinator.Daemon!.WaitForLogAsync("Restore: moved", TimeSpan.FromSeconds(60));
                return;
            }

            await Eventually.UntilAsync(() => File.Exists(Reached), TimeSpan.FromSeconds(60), () => $"the {_phase} hook to be reached:\n{coordinator.Daemon!.Log}");
            if (_phase == "wait-healthy")
            {
                await coordinator.Daemon!.WaitForLogAsync("Restore: start etcd.service", TimeSpan.FromSeconds(10));
            }
        }

        /// <summary>A restore tool whose restore fails (exit 1), named as the tool it stands for, so the plan's flags are the real ones.</summary>
        public static void FailingTool(JsonObject config) => Wrap(config, "broken", "[ \"$1\" = snapshot ] && { echo 'restore broke here' >&2; exit 1; }");

        /// <summary>A restore tool that sleeps first: the daemon is in restore-data for that long. Named as the tool it wraps, which decides the flags.</summary>
        public static void SlowTool(JsonObject config, int seconds) => Wrap(config, "slow", $"[ \"$1\" = snapshot ] && sleep {seconds}");

        /// <summary>The configured tool behind a shell line; only its restore is touched (the plan asks the tool for its version too).</summary>
        private static void Wrap(JsonObject config, string kind, string line)
        {
            var tool = config["Restore"]!["Tool"]!.GetValue<string>();
            var wrapper = Path.Combine(Directory.CreateDirectory(Path.Combine(Path.GetDirectoryName(config["Restore"]!["UnitFile"]!.GetValue<string>())!, kind)).FullName,
                Path.GetFileName(tool));
            File.WriteAllText(wrapper, $"#!/bin/sh\n{line}\nexec {tool} \"$@\"\n");
            File.SetUnixFileMode(wrapper, (UnixFileMode)0b111_101_101);
            config["Restore"]!["Tool"] = wrapper;
        }
    }
}
