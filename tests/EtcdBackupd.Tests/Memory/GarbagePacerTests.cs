using EtcdBackupd.Memory;

namespace EtcdBackupd.Tests.Memory;

[TestFixture]
internal sealed class GarbagePacerTests
{
    [Test]
    public void Moved_PastEachMark_AsksForACollectionOfItsGeneration()
    {
        var pacer = new GarbagePacer(everyBytes: 1 << 20, GC.MaxGeneration);
        var before = GC.CollectionCount(GC.MaxGeneration);

        pacer.Moved(1 << 20);
        var afterFirst = GC.CollectionCount(GC.MaxGeneration);
        pacer.Moved(3 << 20);

        Assert.That(afterFirst, Is.GreaterThan(before), "the first mark");
        Assert.That(GC.CollectionCount(GC.MaxGeneration), Is.GreaterThan(afterFirst), "the next mark, from where the last collection was");
    }

    [TestCase(0L, 0)]
    [TestCase(-1L, 0)]
    [TestCase(1L, -1)]
    [TestCase(1L, 3)]
    public void Create_WithoutAStepOrWithAGenerationTheCollectorHasNot_IsRefused(long everyBytes, int generation)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new GarbagePacer(everyBytes, generation));
    }
}
