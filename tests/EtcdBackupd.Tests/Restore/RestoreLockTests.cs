using EtcdBackupd.Restore;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Restore;

/// <summary>The restore lock's rule, on real flock(2): one holder; a lock that cannot be made never blocks a restore.</summary>
internal sealed class RestoreLockTests
{
    [Test]
    public void SecondTaker_IsRefusedWhileTheFirstHoldsIt_AndGetsItOnceReleased()
    {
        using var dir = new TempDirectory("restore-lock");
        var first = RestoreLock.In(dir.Path);
        var second = new RestoreLock(first.Path);

        Assert.That(first.TryTake("one-shot restore"), Is.Null);
        Assert.That(second.TryTake("daemon"), Does.Contain("another process is restoring this member").And.Contain(first.Path));
        first.Release();
        // Read once released: .NET's own open takes a shared flock (cat, for an operator, takes none).
        Assert.That(File.ReadAllText(first.Path), Does.StartWith($"{Environment.ProcessId} one-shot restore"));
        Assert.That(second.TryTake("daemon"), Is.Null);
        second.Release();
    }

    [Test]
    public void LockThatCannotBeMade_IsReportedAndDoesNotStopTheRestore()
    {
        using var dir = new TempDirectory("restore-lock");
        File.WriteAllText(dir.Combine("not-a-directory"), "");
        var unmakeable = new RestoreLock(dir.Combine("not-a-directory/restore.lock"));
        var told = new List<string>();

        Assert.That(unmakeable.TryTake("daemon", told.Add), Is.Null);
        Assert.That(told, Has.Count.EqualTo(1).And.Some.Contain("going ahead without it"));
    }
}
