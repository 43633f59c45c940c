using EtcdBackupd.Snapshots;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Snapshots;

/// <summary>What <c>verify</c> remembers of a file, in-process against files on disk.</summary>
internal sealed class VerifierStampTests
{
    [Test]
    [CancelAfter(60_000)]
    public async Task Check_OfAFileReplacedWhileItIsRead_LeavesTheNewFileUnjudged_NotJudgedByTheOneRead()
    {
        using var dir = new TempDirectory("verify-stamp");
        var created = new DateTimeOffset(2026, 11, 20, 3, 0, 0, TimeSpan.Zero);
        var good = SyntheticSnapshots.Write(Directory.CreateDirectory(dir.Combine("good")).FullName, created);
        var path = Path.Combine(Directory.CreateDirectory(dir.Combine("snapshots")).FullName, Path.GetFileName(good));
        // A gibibyte of holes of a snapshot's size, its trailer wrong: seconds of reading, a bad verdict.
        await using (var bad = new FileStream(path, FileMode.CreateNew))
        {
            bad.SetLength((2L << 20) * 512 + 32);
        }

        var verifier = new SnapshotVerifier();
        var reading = Task.Run(() => verifier.Check(path, CancellationToken.None));
        // Replaced once the check has it open (its stamp is read before the open), and while it still reads.
        await Eventually.UntilAsync(() => IsOpenHere(path), TimeSpan.FromSeconds(30), "the check to open the file", TimeSpan.FromMilliseconds(10));
        Assert.That(reading.IsCompleted, Is.False, "the file must still be being read when it is replaced");
        File.Move(good, path, overwrite: true);
        var (trailerMatches, _) = await reading;

        Assert.That(trailerMatches, Is.False, "the file read was the bad one");
        var entry = new SnapshotEntry(path, created, "m1", 100, new FileInfo(path).Length);
        Assert.That(verifier.Known(entry), Is.Null, "the good file now under the name was never read: it is not known bad");
        Assert.That(verifier.IsGood(entry, CancellationToken.None), Is.True);
    }

    /// <summary>Whether this process holds <paramref name="path"/> open, by the kernel's links in /proc/self/fd.</summary>
    private static bool IsOpenHere(string path) => Directory.GetFiles("/proc/self/fd").Any(fd =>
    {
        try
        {
            return new FileInfo(fd).LinkTarget == path;
        }
        catch (IOException)
        {
            return false;
        }
    });
}
