namespace EtcdBackupd.Tests.Restore;

/// <summary>
/// The restore of a real etcd 3.5 member whose unit names its data directory relative to its
/// <c>WorkingDirectory=</c> (<c>--data-dir=data</c>), as etcd's own default (<c>NAME.etcd</c>) is: etcd
/// opens it there, and the daemon, which runs elsewhere, must restore it there too.
/// </summary>
[Parallelizable(ParallelScope.None)]
internal sealed class RelativeDataDirRestoreTests : OneLocalMember
{
    protected override bool DataDirRelative => true;

    [Test]
    [CancelAfter(120_000)]
    public async Task Restore_OfADataDirRelativeToTheUnitsWorkingDirectory_RestoresWhereEtcdReads_AndSaysWhy()
    {
        var snapshot = await SnapshotBetweenAsync("/registry/namespaces/before", "/registry/namespaces/after");
        var plan = _options.Plan(snapshot);

        var report = await Restore().RunAsync(snapshot, null, CancellationToken.None);

        Assert.That(plan.Problems, Is.Empty);
        Assert.That(plan.Member.DataDir.Value, Is.EqualTo(_member.DataDir));
        Assert.That(plan.Member.DataDir.Source, Does.EndWith($"relative to WorkingDirectory={_dir.Path} of {_options.UnitFile}"));
        Assert.That(report.Ok, Is.True, $"{report.FailedStep}: {report.Error}\n{string.Join('\n', report.Steps)}");
        Assert.That(await KeysAsync(), Is.EquivalentTo(new[] { "/registry/namespaces/before" }));
        Assert.That(report.OldDataDir, Does.StartWith(_member.DataDir + ".before-restore-"), "the old data is kept beside it, not where the daemon runs");
    }
}
