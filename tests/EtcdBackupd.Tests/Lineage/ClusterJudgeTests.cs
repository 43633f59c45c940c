using EtcdBackupd.Lineage;
using EtcdBackupd.Protocol.Restore;

namespace EtcdBackupd.Tests.Lineage;

[Category("Fast")]
internal sealed class ClusterJudgeTests
{
    // A cluster created as "a1", restored once (now "b2"); "c3" is another cluster altogether.
    private static readonly string[] Lineage = ["a1", "b2"];

    [Test]
    public void Judge_TheLiveClusterID_IsTheSameCluster()
    {
        var match = ClusterJudge.Judge("b2", "b2", Lineage, otherCluster: false);

        Assert.That((match.Verdict, match.Refused), Is.EqualTo((ClusterVerdict.Same, false)));
    }

    [Test]
    public void Judge_AnIDFromBeforeAnEarlierRestore_IsTheLineageAndNotRefused()
    {
        var match = ClusterJudge.Judge("a1", "b2", Lineage, otherCluster: false);

        Assert.That((match.Verdict, match.Refused), Is.EqualTo((ClusterVerdict.Lineage, false)));
        Assert.That(match.Message, Does.Contain("which this cluster was before a restore (this cluster is b2)"));
    }

    [Test]
    public void Judge_AnotherClustersID_IsRefusedAndSaysSoInWords()
    {
        var match = ClusterJudge.Judge("c3", "b2", Lineage, otherCluster: false);

        Assert.That((match.Verdict, match.Refused), Is.EqualTo((ClusterVerdict.Other, true)));
        Assert.That(match.Message, Is.EqualTo("the snapshot is of cluster c3; this cluster is b2 and has been a1; "
            + "restoring it replaces this cluster's data with another cluster's: add --other-cluster if that is what you mean"));
    }

    [Test]
    public void Judge_AnotherClustersIDWithOtherCluster_GoesAheadAndStillSaysWhatItIs()
    {
        var match = ClusterJudge.Judge("c3", "b2", Lineage, otherCluster: true);

        Assert.That((match.Verdict, match.Refused), Is.EqualTo((ClusterVerdict.Other, false)));
        Assert.That(match.Message, Does.Contain("another cluster's, as --other-cluster asks"));
    }

    [Test]
    public void Judge_TheLiveIDAlone_WithNoLineageRecorded_StillRefusesAnotherCluster() =>
        Assert.That(ClusterJudge.Judge("c3", "b2", [], otherCluster: false).Refused, Is.True);

    [Test]
    public void Judge_WithEtcdDown_UsesTheRecordedLineage()
    {
        Assert.That(ClusterJudge.Judge("a1", null, Lineage, otherCluster: false).Verdict, Is.EqualTo(ClusterVerdict.Lineage));
        Assert.That(ClusterJudge.Judge("b2", null, Lineage, otherCluster: false).Verdict, Is.EqualTo(ClusterVerdict.Same));
        var other = ClusterJudge.Judge("c3", null, Lineage, otherCluster: false);
        Assert.That(other.Refused, Is.True);
        Assert.That(other.Message, Does.Contain("this cluster was last seen as b2 (etcd does not answer now) and has been a1"));
    }

    [TestCase(null)]
    [TestCase("")]
    [TestCase("0")]
    [TestCase("not-hex")]
    public void Judge_ASnapshotWithoutAClusterID_IsAWarningNotARefusal(string? snapshotId)
    {
        var match = ClusterJudge.Judge(snapshotId, "b2", Lineage, otherCluster: false);

        Assert.That((match.Verdict, match.Refused), Is.EqualTo((ClusterVerdict.Unknown, false)));
        Assert.That(match.Message, Does.Contain("names no cluster ID"));
    }

    [Test]
    public void Judge_NothingKnownOfThisCluster_IsAWarningNotARefusal()
    {
        var match = ClusterJudge.Judge("c3", null, [], otherCluster: false);

        Assert.That((match.Verdict, match.Refused), Is.EqualTo((ClusterVerdict.Unknown, false)));
        Assert.That(match.Message, Does.Contain("this cluster's ID is unknown"));
    }

    [Test]
    public void Judge_IDsThatDifferOnlyInCaseOrLeadingZeros_AreTheSameCluster() =>
        Assert.That(ClusterJudge.Judge("00A1", "b2", Lineage, otherCluster: false).Verdict, Is.EqualTo(ClusterVerdict.Lineage));

    [Test]
    public void Judge_ThePlansLineage_IncludesEveryRecordedID() =>
        Assert.That(ClusterJudge.Judge("c3", "b2", Lineage, otherCluster: false).Lineage, Is.EqualTo(Lineage));
}
