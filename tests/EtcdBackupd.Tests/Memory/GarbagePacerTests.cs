using EtcdBackupd.Memory;

namespace EtcdBackupd.Tests.Memory;

[TestFixture]
internal sealed class GarbagePacerTests
{
    [Test]
    public void Moved_FirstAndPastEachMark_AsksForAFullCollection()
    {
        var pacer = new GarbagePacer(everyBytes: 1 << 20);
        var before = GC.CollectionCount(GC.MaxGeneration);

        pacer.Moved(0);
        var afterFirst = GC.CollectionCount(GC.MaxGeneration);
        pacer.Moved(3 << 20);

        Assert.That(afterFirst, Is.GreaterThan(before), "the first call");
        Assert.That(GC.CollectionCount(GC.MaxGeneration), Is.GreaterThan(afterFirst), "the next mark, from where the last collection was");
    }

    [Test]
    public void Moved_FirstCollectsThenEachFullStepFromTheLastCollection()
    {
        var pacer = new GarbagePacer(everyBytes: 32 << 20);

        var marks = new long[] { 0, 1, (32 << 20) - 1, 32 << 20, (64 << 20) - 1, 64 << 20 }.Select(pacer.Moved).ToArray();

        // Before the first byte; then not until a full step has passed; then a step from there.
        Assert.That(marks, Is.EqualTo(new[] { true, false, false, true, false, true }));
    }

    [Test]
    public void ForSnapshotStream_Collecting_HandsBackThePagesAPlainFullCollectionKeeps()
    {
        LeaveGarbage(64 << 20);
        new GarbagePacer(everyBytes: 32 << 20).Moved(0);
        var plain = GC.GetGCMemoryInfo().TotalCommittedBytes;
        LeaveGarbage(64 << 20);

        GarbagePacer.ForSnapshotStream().Moved(0);

        // Measured as of the last collection: the plain one keeps the regions the garbage freed committed,
        // to be returned later, and the next garbage lands on pages it has not touched yet.
        var handedBack = GC.GetGCMemoryInfo().TotalCommittedBytes;
        Assert.That(handedBack, Is.LessThan(plain - (32 << 20)), $"committed {plain >> 20} MiB after a plain full collection, {handedBack >> 20} MiB after the snapshot stream's");
    }

    [TestCase(0L)]
    [TestCase(-1L)]
    public void Create_WithoutAStep_IsRefused(long everyBytes)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new GarbagePacer(everyBytes));
    }

    /// <summary>Small arrays, dropped at once: garbage of the kind a stream leaves, on the small object heap.</summary>
    private static void LeaveGarbage(int bytes)
    {
        var kept = new List<byte[]>();
        for (var total = 0; total < bytes; total += 16 << 10)
        {
            var array = new byte[16 << 10];
            array[0] = 1;
            kept.Add(array);
        }

        GC.KeepAlive(kept);
    }
}
