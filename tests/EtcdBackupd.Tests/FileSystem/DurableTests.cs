using EtcdBackupd.FileSystem;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.FileSystem;

/// <summary>A small file written durably: whatever was left at its partial's name is replaced, never written through.</summary>
[Category("Fast")]
internal sealed class DurableTests
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Test]
    public void WriteAllBytes_WithASymlinkLeftAtItsPartialName_LeavesTheLinksTargetAsItWas()
    {
        using var dir = new TempDirectory("durable");
        var victim = dir.Combine("victim");
        File.WriteAllText(victim, "not yours");
        var path = dir.Combine("etcd-snapshot-20261127T060000Z-m1-r1.json");
        File.CreateSymbolicLink(path + ".part", victim);

        Durable.WriteAllBytes(path, "{}"u8, OwnerOnly);

        Assert.That(File.ReadAllText(victim), Is.EqualTo("not yours"));
        Assert.That(File.ReadAllText(path), Is.EqualTo("{}"));
        Assert.That(new FileInfo(path).LinkTarget, Is.Null, "a file of its own, not the link");
    }

    [Test]
    public void WriteAllBytes_WithAFileLeftAtItsPartialName_GivesTheNewFileItsOwnMode()
    {
        using var dir = new TempDirectory("durable");
        var path = dir.Combine("state.json");
        File.WriteAllText(path + ".part", "left over");
        File.SetUnixFileMode(path + ".part", OwnerOnly | UnixFileMode.OtherRead | UnixFileMode.OtherWrite);

        Durable.WriteAllBytes(path, "{}"u8, OwnerOnly);

        Assert.That(File.GetUnixFileMode(path), Is.EqualTo(OwnerOnly));
        Assert.That(File.Exists(path + ".part"), Is.False);
    }
}
