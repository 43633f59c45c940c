using EtcdBackupd.Protocol.Restore;
using EtcdBackupd.Restore;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Restore;

/// <summary>A data directory that is a mount point (a tmpfs here): what it holds moves, entry by entry, and comes back.</summary>
internal sealed partial class SessionLeaseTests
{
    private string Data => _dir.Combine("etcd");

    [Test]
    [CancelAfter(30_000)]
    public async Task RestoreDataOnADataDisk_AskedAgainAfterAFailure_KeepsTheFailedOutputApart_AndTheRollbackPutsWhatItHeldBack()
    {
        _options = new RestoreOptions { Tool = await HalfFailingToolAsync(), UnitFile = _options.UnitFile, UseCommands = true, Commands = _options.Commands };
        await using var disk = await Tmpfs.MountAsync(Data, "4m");
        Directory.CreateDirectory(Path.Combine(Data, "lost+found"));
        Directory.CreateDirectory(Path.Combine(Data, "member"));
        await File.WriteAllTextAsync(Path.Combine(Data, "member", "original"), "this member's data");
        var member = Member(out _);

        var (first, again) = await RestoreDataFailingOnceAsync(member);
        var restored = File.Exists(Path.Combine(Data, "restored"));
        var rollback = await RunAsync(member, RestorePhase.Rollback);

        Assert.That((first.Ok, again.Ok), Is.EqualTo((false, true)), again.Error?.Message);
        Assert.That(restored, Is.True, "what the tool wrote was moved up into the mount");
        Assert.That(rollback[0].Result?.Rollback, Is.EqualTo(RollbackState.Complete), rollback[0].Error?.Message);
        Assert.That(File.ReadAllText(Path.Combine(Data, "member", "original")), Is.EqualTo("this member's data"));
        Assert.That(Directory.Exists(Path.Combine(Data, "lost+found")), Is.True);
        Assert.That(Directory.GetDirectories(Data, ".before-restore-*"), Is.Empty, "nothing passed for old data");
        Assert.That(Directory.GetDirectories(Data, ".unfinished-restore-*").Select(d => File.Exists(Path.Combine(d, ".restoring", "half"))), Is.EqualTo(new[] { true }),
            "the failed attempt's output is kept apart, never taken for old data");
        Assert.That(Directory.GetDirectories(Data, ".failed-restore-*").Select(d => File.Exists(Path.Combine(d, "restored"))), Is.EqualTo(new[] { true }),
            "the restored output is kept aside, not deleted");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task ARollbackAfterAMoveOfADataDisksContentsWasCutShort_PutsBackWhatMoved_AndTakesNothingLeftForTheRestoresOutput()
    {
        await using var disk = await Tmpfs.MountAsync(Data, "4m");
        foreach (var name in new[] { "a", "c" })
        {
            await File.WriteAllTextAsync(Path.Combine(Data, name), name);
        }

        var member = Member(out _);
        await CheckAsync(member, "coordinator-a");
        // Mounted after the check (which refuses a mount point inside): it cannot be renamed, and the move stops
        // after "a", with "b" and "c" still in place.
        await using var inner = await Tmpfs.MountAsync(Path.Combine(Data, "b"), "1m");

        var answers = await RunAsync(member, RestorePhase.StopApi, RestorePhase.StopEtcd, RestorePhase.RestoreData, RestorePhase.Rollback);

        Assert.That(answers[2].Error?.Message, Does.StartWith($"cannot move {Data}/b to {Data}/.before-restore-"));
        Assert.That(answers[3].Result?.Rollback, Is.EqualTo(RollbackState.Complete), answers[3].Error?.Message);
        Assert.That(Directory.EnumerateFileSystemEntries(Data).Select(Path.GetFileName), Is.EquivalentTo(new[] { "a", "b", "c" }),
            "what moved is back, what never moved stayed, and nothing was put aside as the restore's output");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task RestoreDataAskedAgainAfterAMoveCutShort_FinishesTheMoveBeforeTheToolRuns_AndTheRollbackPutsEverythingBack()
    {
        _options = new RestoreOptions { Tool = await HalfFailingToolAsync(), UnitFile = _options.UnitFile, UseCommands = true, Commands = _options.Commands };
        await using var disk = await Tmpfs.MountAsync(Data, "4m");
        await File.WriteAllTextAsync(Path.Combine(Data, "a"), "a");
        var member = Member(out _);
        await CheckAsync(member, "coordinator-a");
        await using var inner = await Tmpfs.MountAsync(Path.Combine(Data, "b"), "1m");
        var first = await RunAsync(member, RestorePhase.StopApi, RestorePhase.StopEtcd, RestorePhase.RestoreData);
        await inner.DisposeAsync(); // "b" can move now; disposed again at the end, a no-op

        var again = await RunAsync(member, RestorePhase.RestoreData, RestorePhase.Rollback);

        Assert.That((first[2].Ok, again[0].Ok), Is.EqualTo((false, true)), again[0].Error?.Message);
        Assert.That(again[0].Result?.Steps, Has.Some.StartWith($"moved the rest of what {Data} held to {Data}/.before-restore-"));
        Assert.That(again[1].Result?.Rollback, Is.EqualTo(RollbackState.Complete), again[1].Error?.Message);
        Assert.That(Directory.EnumerateFileSystemEntries(Data).Select(Path.GetFileName).Where(n => !n!.StartsWith(".failed-restore-", StringComparison.Ordinal)),
            Is.EquivalentTo(new[] { "a", "b" }));
        Assert.That(Directory.GetDirectories(Data, ".failed-restore-*").Select(d => File.Exists(Path.Combine(d, "restored"))), Is.EqualTo(new[] { true }));
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task RestoreDataOnADataDisk_GivesWhatItWroteTheOwnerOfTheOldMember_NotOfTheDirectoryItMadeAside()
    {
        _options = new RestoreOptions { Tool = await HalfFailingToolAsync(), UnitFile = _options.UnitFile, UseCommands = true, Commands = _options.Commands };
        await using var disk = await Tmpfs.MountAsync(Data, "4m");
        Directory.CreateDirectory(Path.Combine(Data, "member"));
        await Shell.RunAsync($"chown 65534:65534 {Data}/member", CancellationToken.None);
        var member = Member(out _);
        await CheckAsync(member, "coordinator-a");

        var answers = await RunAsync(member, RestorePhase.StopApi, RestorePhase.StopEtcd, RestorePhase.RestoreData);
        var owner = await Shell.RunAsync($"stat -c %u:%g {Data}/restored", CancellationToken.None);

        Assert.That(answers[2].Ok, Is.True, answers[2].Error?.Message);
        Assert.That(owner.Output.Trim(), Is.EqualTo("65534:65534"), "the user etcd ran as, as its old member directory says");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task ASessionReloadedWhenItsDataDiskIsNoLongerMounted_RefusesToRestoreOntoTheEmptyDirectory_AndItsRollbackSaysTheDiskIsMissing()
    {
        _options = new RestoreOptions { Tool = await HalfFailingToolAsync(), UnitFile = _options.UnitFile, UseCommands = true, Commands = _options.Commands };
        await File.WriteAllTextAsync(_dir.Combine("fail.flag"), "");
        var disk = await Tmpfs.MountAsync(Data, "4m");
        await using (disk)
        {
            Directory.CreateDirectory(Path.Combine(Data, "member"));
            var before = Member(out var daemon);
            using (daemon)
            {
                await CheckAsync(before, "coordinator-a");
                await RunAsync(before, RestorePhase.StopApi, RestorePhase.StopEtcd, RestorePhase.RestoreData);
            }
        }

        // A reboot, and the disk not mounted again: the daemon reloads the session.
        var after = Member(out var rebooted);
        using var daemonAfter = rebooted;
        var again = await RunAsync(after, RestorePhase.RestoreData, RestorePhase.Rollback);

        Assert.That(again[0].Error?.Message, Does.StartWith($"{Data} was a mount point when this restore moved what it held aside, and is not one now"));
        Assert.That(Directory.EnumerateFileSystemEntries(Data), Is.Empty, "nothing was restored onto the root file system");
        Assert.That(again[1].Result?.Rollback, Is.EqualTo(RollbackState.Incomplete), again[1].Error?.Message);
        Assert.That(again[1].Result?.Steps, Has.Some.Contain("is not a mount point now, and what it held is on its disk: is the disk mounted?"));
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task RestoreData_OfADataDirectoryThatIsALink_MovesTheDirectoryItLeadsTo_AndTheLinkStillLeadsToTheRestoredData()
    {
        _options = new RestoreOptions { Tool = await HalfFailingToolAsync(), UnitFile = _options.UnitFile, UseCommands = true, Commands = _options.Commands };
        var real = Directory.CreateDirectory(_dir.Combine("data-disk", "etcd")).FullName;
        await File.WriteAllTextAsync(Path.Combine(real, "original"), "this member's data");
        File.CreateSymbolicLink(Data, real);
        var member = Member(out _);
        await CheckAsync(member, "coordinator-a");

        var answers = await RunAsync(member, RestorePhase.StopApi, RestorePhase.StopEtcd, RestorePhase.RestoreData);

        Assert.That(answers[2].Ok, Is.True, answers[2].Error?.Message);
        Assert.That(new FileInfo(Data).LinkTarget, Is.EqualTo(real), "the link is left as it was");
        Assert.That(File.Exists(Path.Combine(real, "restored")), Is.True, "the restored data is where the link leads, on that disk");
        Assert.That(Directory.GetDirectories(_dir.Combine("data-disk"), "etcd.before-restore-*").Select(d => File.Exists(Path.Combine(d, "original"))),
            Is.EqualTo(new[] { true }));
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task RestoreDataWithAWalDisk_MovesItsOldWalAsideInsideIt_WritesTheNewOneThere_AndTheRollbackPutsItBack()
    {
        var wal = _dir.Combine("wal");
        var unit = await File.ReadAllTextAsync(_options.UnitFile!);
        await File.WriteAllTextAsync(_options.UnitFile!, unit.Replace(" --initial-cluster=", $" --wal-dir={wal} --initial-cluster=", StringComparison.Ordinal));
        // A tool that writes a WAL file where --wal-dir says, and data where --data-dir says.
        var tool = _dir.Combine("etcdutl-wal");
        await File.WriteAllTextAsync(tool, "#!/bin/sh\nwhile [ $# -gt 0 ]; do case $1 in --data-dir) d=$2;; --wal-dir) w=$2;; esac; shift; done\n"
            + "mkdir -p \"$d\" \"$w\" && echo restored >\"$d/restored\" && echo new >\"$w/0000000000000000-0000000000000000.wal\"\n");
        File.SetUnixFileMode(tool, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        _options = new RestoreOptions { Tool = tool, UnitFile = _options.UnitFile, UseCommands = true, Commands = _options.Commands };
        await using var disk = await Tmpfs.MountAsync(wal, "4m");
        Directory.CreateDirectory(Path.Combine(wal, "lost+found"));
        await File.WriteAllTextAsync(Path.Combine(wal, "old.wal"), "the old WAL");
        var member = Member(out _);
        await CheckAsync(member, "coordinator-a");

        var answers = await RunAsync(member, RestorePhase.StopApi, RestorePhase.StopEtcd, RestorePhase.RestoreData);
        var restored = Directory.EnumerateFileSystemEntries(wal).Select(Path.GetFileName).Where(n => !n!.StartsWith('.')).Order().ToList();
        var rollback = await RunAsync(member, RestorePhase.Rollback);

        Assert.That(answers[2].Ok, Is.True, answers[2].Error?.Message);
        Assert.That(restored, Is.EqualTo(new[] { "0000000000000000-0000000000000000.wal", "lost+found" }), "the new WAL where etcd reads it, the old one aside");
        Assert.That(rollback[0].Result?.Rollback, Is.EqualTo(RollbackState.Complete), rollback[0].Error?.Message);
        Assert.That(File.ReadAllText(Path.Combine(wal, "old.wal")), Is.EqualTo("the old WAL"));
        Assert.That(Directory.GetDirectories(wal, ".failed-restore-*").Select(d => File.Exists(Path.Combine(d, "0000000000000000-0000000000000000.wal"))),
            Is.EqualTo(new[] { true }), "the restored WAL is kept aside, not deleted");
        Assert.That(Directory.Exists(MemberParameters.Staging(wal)), Is.False);
    }
}
