using EtcdBackupd.Lineage;
using EtcdBackupd.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EtcdBackupd.Tests.Lineage;

[Category("Fast")]
internal sealed class ClusterLineageTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 24, 5, 0, 0, TimeSpan.Zero);

    [Test]
    public void Read_WithNoFile_IsEmpty()
    {
        using var dir = new TempDirectory("lineage");

        Assert.That(new ClusterLineage(dir.Path, TimeProvider.System, NullLogger.Instance).Read(), Is.Empty);
    }

    [Test]
    public void Record_NewIDs_AreKeptInOrderWithWhenFirstSeen_AndSurviveANewInstance()
    {
        using var dir = new TempDirectory("lineage");
        var time = new FakeTimeProvider(Start);
        var lineage = new ClusterLineage(dir.Path, time, NullLogger.Instance);

        lineage.Record("a1");
        time.Advance(TimeSpan.FromDays(3));
        lineage.Record("B2");
        time.Advance(TimeSpan.FromDays(3));
        lineage.Record("a1");

        Assert.That(new ClusterLineage(dir.Path, time, NullLogger.Instance).Read(),
            Is.EqualTo(new[] { new LineageEntry("a1", Start), new LineageEntry("b2", Start.AddDays(3)) }));
    }

    [Test]
    public void Record_WritesAnOwnerOnlyFileAndLeavesNoPartBehind()
    {
        using var dir = new TempDirectory("lineage");

        new ClusterLineage(dir.Path, TimeProvider.System, NullLogger.Instance).Record("a1");

        Assert.That(Directory.GetFiles(dir.Path).Select(Path.GetFileName), Is.EqualTo(new[] { ClusterLineage.FileName }));
        Assert.That(File.GetUnixFileMode(dir.Combine(ClusterLineage.FileName)), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
    }

    [Test]
    public void Record_NoClusterID_RecordsNothing()
    {
        using var dir = new TempDirectory("lineage");

        new ClusterLineage(dir.Path, TimeProvider.System, NullLogger.Instance).Record("0");

        Assert.That(File.Exists(dir.Combine(ClusterLineage.FileName)), Is.False);
    }

    [Test]
    public void Record_IntoADirectoryThatIsGone_LogsAndReturnsTheLineageInsteadOfThrowing()
    {
        using var dir = new TempDirectory("lineage");
        var logger = new CapturingLogger<ClusterLineage>();
        var lineage = new ClusterLineage(dir.Combine("missing"), TimeProvider.System, logger);

        var known = lineage.Record("a1");

        Assert.That(known.Select(e => e.ClusterId), Is.EqualTo(new[] { "a1" }));
        Assert.That(logger.Events.Reader.TryRead(out var logged), Is.True);
        Assert.That(logged.EventName, Is.EqualTo("LineageNotRecorded"));
    }

    [Test]
    public void Record_OverAFileThatIsNotALineage_SetsItAsideAndStartsAgain()
    {
        using var dir = new TempDirectory("lineage");
        File.WriteAllText(dir.Combine(ClusterLineage.FileName), "{ not json");

        var known = new ClusterLineage(dir.Path, new FakeTimeProvider(Start), NullLogger.Instance).Record("a1");

        Assert.That(known.Select(e => e.ClusterId), Is.EqualTo(new[] { "a1" }));
        Assert.That(File.ReadAllText(dir.Combine($"{ClusterLineage.FileName}.unreadable-20261124T050000Z")), Is.EqualTo("{ not json"));
    }
}
