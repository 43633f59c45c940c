using EtcdBackupd.Restore;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Restore;

/// <summary>The runbook's restore on one real etcd 3.5 member (<see cref="OneLocalMember"/>).</summary>
[Parallelizable(ParallelScope.None)]
internal sealed class LocalRestoreTests : OneLocalMember
{
    [Test]
    [CancelAfter(120_000)]
    public async Task Restore_AfterTheDataIsLost_BringsBackTheSnapshotsKeysAndKeepsTheOldDirectory()
    {
        var snapshot = await SnapshotBetweenAsync("/registry/namespaces/before", "/registry/namespaces/after");
        Directory.Move(Path.Combine(_member.DataDir, "member"), Path.Combine(_member.DataDir, "member_bak")); // the runbook's "loss"

        var report = await Restore().RunAsync(snapshot, null, CancellationToken.None);

        Assert.That(report.Ok, Is.True, $"{report.FailedStep}: {report.Error}\n{string.Join('\n', report.Steps)}");
        Assert.That(await KeysAsync(), Is.EquivalentTo(new[] { "/registry/namespaces/before" }));
        Assert.That(Directory.Exists(Path.Combine(report.OldDataDir!, "member_bak")), Is.True, "the old data directory is kept, never deleted");
        Assert.That(File.Exists(_apiMarker), Is.True, "the API server stand-in runs again");
        Assert.That(report.Steps.Select(s => s.Split(' ')[0]), Is.EqualTo(new[] { "checked", "stop", "stop", "moved", "restored:", "give", "start", "etcd.service", "start" }));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Restore_WhenTheToolFails_RollsBackToTheOldDataAndServices()
    {
        await PutAsync("/registry/namespaces/kept", "1");
        var snapshot = await SnapshotAsync();

        var report = await Restore(With(tool: "/bin/false")).RunAsync(snapshot, null, CancellationToken.None);
        await WaitHealthyAsync();

        Assert.That(report.Ok, Is.False);
        Assert.That(report.FailedStep, Does.StartWith("/bin/false snapshot restore"));
        Assert.That(report.Steps, Has.Some.StartWith("rolled back: move").And.Some.StartWith("rolled back: start etcd.service")
            .And.Some.StartWith("rolled back: start kube-apiserver.service"));
        Assert.That(await KeysAsync(), Does.Contain("/registry/namespaces/kept"));
        Assert.That(File.Exists(_apiMarker), Is.True);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Restore_WhenAUnitsStopHangs_FailsAtThatStepWithinRestoreUnitTimeoutAndRollsBack()
    {
        await PutAsync("/registry/namespaces/kept", "1");
        var snapshot = await SnapshotAsync();
        var hung = _dir.Combine("hung-stop.pid");
        // A stop that never returns, as systemctl stop of a unit with TimeoutStopSec=infinity whose process ignores SIGTERM.
        var commands = new Dictionary<string, UnitCommands>(_options.Commands)
        {
            ["etcd.service"] = _options.Commands["etcd.service"] with { Stop = $"echo $$ >{hung}; exec sleep 600" },
        };
        var started = System.Diagnostics.Stopwatch.StartNew();

        var report = await Restore(With(commands: commands, unitTimeout: TimeSpan.FromSeconds(2))).RunAsync(snapshot, null, CancellationToken.None);

        Assert.That(report.Ok, Is.False);
        Assert.That((report.FailedStep, report.Error), Is.EqualTo(("stop etcd.service",
            "stop etcd.service did not finish within Restore.UnitTimeoutSeconds (2 s); the command was killed, and the unit may still be changing state")));
        Assert.That(started.Elapsed, Is.LessThan(TimeSpan.FromSeconds(60)), "bounded, not the 600 s the command would take");
        Assert.That(report.Steps, Has.Some.StartWith("rolled back: start kube-apiserver.service"));
        Assert.That(File.Exists(_apiMarker), Is.True);
        Assert.That(await KeysAsync(), Does.Contain("/registry/namespaces/kept"), "etcd was never stopped, its data never moved");
        Assert.That(Directory.Exists($"/proc/{(await File.ReadAllTextAsync(hung)).Trim()}"), Is.False, "the hung command is killed");
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Rollback_WhenEtcdCannotBeStoppedAgain_LeavesTheDirectoriesAsTheyAreAndSaysSo()
    {
        var snapshot = await SnapshotBetweenAsync("/registry/namespaces/old", "/registry/namespaces/after");
        var stops = _dir.Combine("etcd-stops");
        var etcd = _options.Commands["etcd.service"];
        var commands = new Dictionary<string, UnitCommands>(_options.Commands)
        {
            // The restore's stop works; the rollback's hangs, as a stop of a unit whose etcd ignores SIGTERM would.
            ["etcd.service"] = etcd with
            {
                Stop = $"n=$(cat {stops} 2>/dev/null || echo 0); echo $((n+1)) >{stops}; if [ $n -ge 1 ]; then exec sleep 600; fi; {etcd.Stop}",
                Start = $"p=$(cat {_pidFile}); if {Masters.Runs}; then exit 0; fi; {etcd.Start}",
            },
            // The last step fails, after etcd runs on the restored data: the restore rolls back.
            ["kube-apiserver.service"] = _options.Commands["kube-apiserver.service"] with { Start = "exit 1" },
        };

        var report = await Restore(With(commands: commands, unitTimeout: TimeSpan.FromSeconds(2))).RunAsync(snapshot, null, CancellationToken.None);

        Assert.That(report.Ok, Is.False);
        Assert.That(report.Steps, Has.Some.StartWith("ROLLBACK FAILED: stop etcd.service before the old data goes back: ")
            .And.Some.Match($"^NOT ROLLED BACK: move {_member.DataDir}\\.before-restore-.* back: etcd.service could not be stopped"),
            string.Join('\n', report.Steps));
        Assert.That(Directory.Exists(report.OldDataDir), Is.True, "the old data stays aside, untouched");
        Assert.That(await KeysAsync(), Is.EquivalentTo(new[] { "/registry/namespaces/old" }), "etcd still serves the restored data");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Restore_CorruptSnapshot_IsRefusedBeforeAnythingStops()
    {
        var corrupt = SyntheticSnapshots.Write(_dir.Path, DateTimeOffset.UtcNow, corrupt: true);
        var pid = await File.ReadAllTextAsync(_pidFile);

        var report = await Restore().RunAsync(corrupt, null, CancellationToken.None);

        Assert.That(report.Ok, Is.False);
        Assert.That(report.Error, Does.Contain("fails etcd's SHA-256 trailer check; nothing was stopped"));
        Assert.That(report.Steps, Is.Empty);
        Assert.That((await Services.IsActiveAsync("etcd.service", CancellationToken.None), await File.ReadAllTextAsync(_pidFile)), Is.EqualTo((true, pid)));
        Assert.That(File.Exists(_apiMarker), Is.True);
    }
}
