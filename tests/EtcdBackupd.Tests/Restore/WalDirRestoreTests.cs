namespace EtcdBackupd.Tests.Restore;

/// <summary>The restore of a real etcd 3.5 member that keeps its WAL in a directory of its own (<c>--wal-dir</c>).</summary>
[Parallelizable(ParallelScope.None)]
internal sealed class WalDirRestoreTests : OneLocalMember
{
    protected override string? WalDirectoryName => "wal";

    [Test]
    [CancelAfter(120_000)]
    public async Task Restore_OfAMemberWithItsOwnWalDirectory_MovesBothAsideAndEtcdServesTheSnapshotsKeys()
    {
        var snapshot = await SnapshotBetweenAsync("/registry/namespaces/before", "/registry/namespaces/after");
        var plan = _options.Plan(snapshot);

        var report = await Restore().RunAsync(snapshot, null, CancellationToken.None);

        Assert.That(plan.Problems, Is.Empty);
        Assert.That(string.Join(' ', plan.Command), Does.Contain($"--wal-dir {WalDirectory}"));
        Assert.That(report.Ok, Is.True, $"{report.FailedStep}: {report.Error}\n{string.Join('\n', report.Steps)}");
        // The old WAL replayed over the restored data would bring "after" back, or etcd would refuse the mismatch.
        Assert.That(await KeysAsync(), Is.EquivalentTo(new[] { "/registry/namespaces/before" }));
        Assert.That(report.Steps, Has.Some.Match($"^moved {WalDirectory} to {WalDirectory}\\.before-restore-"));
        var oldWal = Directory.GetDirectories(_dir.Path, "wal.before-restore-*").Single();
        Assert.That(Directory.GetFiles(oldWal, "*.wal"), Is.Not.Empty, "the old WAL is kept, never deleted");
        Assert.That(report.OldWalDir, Is.EqualTo(oldWal), "the report says where, as it does for the data");
        Assert.That(Directory.GetFiles(WalDirectory!, "*.wal"), Is.Not.Empty, "the restored WAL is where etcd reads it");
        Assert.That(Directory.Exists(Path.Combine(_member.DataDir, "member", "wal")), Is.False, "no second WAL inside the data directory");
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Restore_OfAMemberWithItsOwnWalDirectory_WhenTheToolFails_PutsBothBackAndEtcdServesItsOwnKeys()
    {
        var snapshot = await SnapshotBetweenAsync("/registry/namespaces/kept", "/registry/namespaces/after");

        var report = await Restore(With(tool: "/bin/false")).RunAsync(snapshot, null, CancellationToken.None);
        await WaitHealthyAsync();

        Assert.That(report.Ok, Is.False);
        Assert.That(report.Steps, Has.Some.Match($"^rolled back: move {WalDirectory}\\.before-restore-.* back$")
            .And.Some.Match($"^rolled back: move {_member.DataDir}\\.before-restore-.* back$"));
        Assert.That(await KeysAsync(), Is.EquivalentTo(new[] { "/registry/namespaces/kept", "/registry/namespaces/after" }));
        Assert.That(Directory.GetDirectories(_dir.Path, "wal.before-restore-*"), Is.Empty);
    }
}
