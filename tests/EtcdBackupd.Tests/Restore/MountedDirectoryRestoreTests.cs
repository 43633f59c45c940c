using EtcdBackupd.Restore;

namespace EtcdBackupd.Tests.Restore;

/// <summary>
/// The restore of a real etcd 3.5 member whose data directory is a disk of its own (a tmpfs mounted there, as
/// a dedicated disk at /var/lib/etcd would be): a mount point cannot be renamed, so what it holds moves.
/// </summary>
[Parallelizable(ParallelScope.None)]
internal sealed class MountedDirectoryRestoreTests : OneLocalMember
{
    protected override bool DataOnItsOwnDisk => true;

    [Test]
    [CancelAfter(120_000)]
    public async Task Restore_OntoADataDisk_MovesWhatItHoldsAsideInsideIt_AndEtcdServesTheSnapshotsKeys()
    {
        var snapshot = await SnapshotBetweenAsync("/registry/namespaces/before", "/registry/namespaces/after");
        var plan = _options.Plan(snapshot);

        var report = await Restore().RunAsync(snapshot, null, CancellationToken.None);

        Assert.That(plan.Problems, Is.Empty);
        Assert.That(string.Join(' ', plan.Command), Does.Contain($"--data-dir {MemberParameters.Staging(_member.DataDir)}"));
        Assert.That(report.Ok, Is.True, $"{report.FailedStep}: {report.Error}\n{string.Join('\n', report.Steps)}");
        Assert.That(await KeysAsync(), Is.EquivalentTo(new[] { "/registry/namespaces/before" }));
        var oldData = Directory.GetDirectories(_member.DataDir, ".before-restore-*").Single();
        Assert.That(report.OldDataDir, Is.EqualTo(oldData));
        Assert.That(Directory.GetFiles(Path.Combine(oldData, "member", "wal"), "*.wal"), Is.Not.Empty, "the old data is kept, on its own disk");
        Assert.That(Directory.Exists(Path.Combine(_member.DataDir, "lost+found")), Is.True, "lost+found stays where fsck looks");
        Assert.That(Directory.Exists(Path.Combine(oldData, "lost+found")), Is.False);
        Assert.That(Directory.Exists(MemberParameters.Staging(_member.DataDir)), Is.False, "what the tool wrote was moved up");
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Restore_OntoADataDisk_WhenTheToolFails_PutsWhatItHeldBackAndEtcdServesItsOwnKeys()
    {
        var snapshot = await SnapshotBetweenAsync("/registry/namespaces/kept", "/registry/namespaces/after");

        var report = await Restore(With(tool: "/bin/false")).RunAsync(snapshot, null, CancellationToken.None);
        await WaitHealthyAsync();

        Assert.That(report.Ok, Is.False);
        Assert.That(report.Steps, Has.Some.Match($"^rolled back: move what {_member.DataDir}/\\.before-restore-.* holds back into {_member.DataDir}$"));
        Assert.That(await KeysAsync(), Is.EquivalentTo(new[] { "/registry/namespaces/kept", "/registry/namespaces/after" }));
        Assert.That(Directory.GetDirectories(_member.DataDir, ".*-restore-*"), Is.Empty, "nothing was made that needs keeping");
    }
}
