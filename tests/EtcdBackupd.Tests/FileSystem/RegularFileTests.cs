using System.Diagnostics;
using EtcdBackupd.FileSystem;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.FileSystem;

/// <summary>Only regular files are opened: what a hostile user can leave in the snapshot directory is refused at once, never read.</summary>
[Category("Fast")]
internal sealed class RegularFileTests
{
    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory("regular");

    [TearDown]
    public void TearDown() => _dir.Dispose();

    [Test]
    public void OpenRead_ARegularFile_ReadsIt()
    {
        var path = _dir.Combine("file");
        File.WriteAllBytes(path, [1, 2, 3]);

        using var file = RegularFile.OpenRead(path);

        Assert.That(file.Length, Is.EqualTo(3));
        Assert.That(RegularFile.KindOf(path), Is.EqualTo(FileKind.Regular));
    }

    [Test]
    public void OpenRead_ASymlinkToDevZero_IsRefusedNotFollowed()
    {
        var path = _dir.Combine("zero");
        File.CreateSymbolicLink(path, "/dev/zero");

        var refused = Assert.Throws<NotARegularFileException>(() => RegularFile.OpenRead(path));

        Assert.That(refused!.Kind, Is.EqualTo(FileKind.Symlink));
        Assert.That(RegularFile.KindOf(path), Is.EqualTo(FileKind.Symlink));
    }

    [Test]
    [CancelAfter(5_000)]
    public void OpenRead_AFifoThatNobodyWrites_IsRefusedWithoutBlocking()
    {
        var path = _dir.Combine("fifo");
        using (var mkfifo = Process.Start("mkfifo", [path]))
        {
            mkfifo.WaitForExit();
        }

        var refused = Assert.Throws<NotARegularFileException>(() => RegularFile.OpenRead(path));

        Assert.That(refused!.Kind, Is.EqualTo(FileKind.Fifo));
        Assert.That(refused.Message, Does.EndWith("is not a regular file (a FIFO), left alone"));
    }

    [Test]
    public void OpenRead_ADirectoryOrACharacterDevice_IsRefused()
    {
        Assert.That(Assert.Throws<NotARegularFileException>(() => RegularFile.OpenRead(_dir.Path))!.Kind, Is.EqualTo(FileKind.Directory));
        Assert.That(Assert.Throws<NotARegularFileException>(() => RegularFile.OpenRead("/dev/null"))!.Kind, Is.EqualTo(FileKind.Device));
    }

    [Test]
    public void OpenRead_AMissingFile_IsFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => RegularFile.OpenRead(_dir.Combine("nothing")));
        Assert.That(RegularFile.KindOf(_dir.Combine("nothing")), Is.EqualTo(FileKind.Missing));
    }

    [Test]
    public void ReadAllBytes_AFileLargerThanItsLimit_IsRefused()
    {
        var path = _dir.Combine("big.json");
        File.WriteAllBytes(path, new byte[2048]);

        Assert.Throws<IOException>(() => RegularFile.ReadAllBytes(path, limit: 1024));
    }
}
