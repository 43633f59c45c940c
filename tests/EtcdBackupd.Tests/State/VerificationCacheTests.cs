using EtcdBackupd.Snapshots;
using EtcdBackupd.State;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.State;

/// <summary>Trailer checks kept in State.Directory: reused only for the very file that was read.</summary>
[Category("Fast")]
internal sealed class VerificationCacheTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 24, 5, 0, 0, TimeSpan.Zero);

    private TempDirectory _dir = null!;
    private string _snapshots = null!;
    private string _state = null!;

    [SetUp]
    public void Create()
    {
        _dir = new TempDirectory("verification-cache");
        _snapshots = Directory.CreateDirectory(_dir.Combine("snapshots")).FullName;
        _state = Directory.CreateDirectory(_dir.Combine("state")).FullName;
    }

    [TearDown]
    public void Remove() => _dir.Dispose();

    /// <summary>A verifier as a new daemon process has it: only what the state directory holds.</summary>
    private SnapshotVerifier Restarted() => new(new VerificationCache(_state));

    private SnapshotEntry Checked(bool corrupt = false)
    {
        SyntheticSnapshots.Write(_snapshots, At, corrupt: corrupt);
        var entry = new SnapshotDirectory(_snapshots).List()[0];
        Restarted().IsGood(entry, CancellationToken.None);
        return entry;
    }

    [Test]
    public void Known_AfterARestart_IsTheAnswerGivenBefore()
    {
        var entry = Checked();

        Assert.That(Restarted().Known(entry), Is.True);
    }

    [Test]
    public void Known_AfterARestart_RemembersACorruptFileToo()
    {
        var entry = Checked(corrupt: true);

        Assert.That(Restarted().Known(entry), Is.False);
    }

    [Test]
    public void Known_FileRewrittenWithItsOldSizeAndMtime_IsUncheckedBecauseCtimeMoved()
    {
        var entry = Checked();
        var mtime = File.GetLastWriteTimeUtc(entry.Path);
        var bytes = File.ReadAllBytes(entry.Path);
        bytes[10] ^= 0xFF;
        Thread.Sleep(20);
        File.WriteAllBytes(entry.Path, bytes);
        File.SetLastWriteTimeUtc(entry.Path, mtime);

        Assert.That(Restarted().Known(entry), Is.Null);
    }

    [Test]
    public void Known_FileReplacedByAnotherOfTheSameName_IsUncheckedBecauseTheInodeDiffers()
    {
        var entry = Checked();
        var copy = entry.Path + ".copy";
        File.Copy(entry.Path, copy);
        File.SetLastWriteTimeUtc(copy, File.GetLastWriteTimeUtc(entry.Path));
        File.Move(copy, entry.Path, overwrite: true);

        Assert.That(Restarted().Known(entry), Is.Null);
    }

    [Test]
    public void Remember_DeletedSnapshots_AreDroppedFromTheFile()
    {
        var first = Checked();
        File.Delete(first.Path);
        SyntheticSnapshots.Write(_snapshots, At.AddDays(1));
        Restarted().IsGood(new SnapshotDirectory(_snapshots).List()[0], CancellationToken.None);

        Assert.That(File.ReadAllText(Path.Combine(_state, VerificationCache.FileName)), Does.Not.Contain(first.FileName));
    }
}
