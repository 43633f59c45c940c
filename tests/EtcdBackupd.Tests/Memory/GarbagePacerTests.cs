using EtcdBackupd.Memory;

namespace EtcdBackupd.Tests.Memory;

[TestFixture]
internal sealed class GarbagePacerTests
{
    [Test]
    public void Moved_PastEachMark_AsksForAFullCollection()
    {
        var pacer = new GarbagePacer(everyBytes: 1 << 20);
        var before = GC.CollectionCount(GC.MaxGeneration);

        pacer.Moved(1 << 20);
        var afterFirst = GC.CollectionCount(GC.MaxGeneration);
        pacer.Moved(3 << 20);

        Assert.That(afterFirst, Is.GreaterThan(before), "the first mark");
        Assert.That(GC.CollectionCount(GC.MaxGeneration), Is.GreaterThan(afterFirst), "the next mark, from where the last collection was");
    }

    [TestCase(0L)]
    [TestCase(-1L)]
    public void Create_WithoutAStep_IsRefused(long everyBytes)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new GarbagePacer(everyBytes));
    }
}
