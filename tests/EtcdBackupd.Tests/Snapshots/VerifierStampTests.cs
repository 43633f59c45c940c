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
        await Task.Delay(50);
        Assert.That(reading.IsCompleted, Is.False, "the file must still be being read when it is replaced");
        File.Move(good, path, overwrite: true);
        var (trailerMatches, _) = await reading;

        Assert.That(trailerMatches, Is.False, "the file read was the bad one");
        var entry = new SnapshotEntry(path, created, "m1", 100, new FileInfo(path).Length);
        Assert.That(verifier.Known(entry), Is.Null, "the good file now under the name was never read: it is not known bad");
        Assert.That(verifier.IsGood(entry, CancellationToken.None), Is.True);
    }
}
