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

    [TestCase(0L)]
    [TestCase(-1L)]
    public void Create_WithoutAStep_IsRefused(long everyBytes)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new GarbagePacer(everyBytes));
    }
}
