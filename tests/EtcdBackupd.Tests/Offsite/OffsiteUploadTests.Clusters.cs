using EtcdBackupd.Offsite;
using EtcdBackupd.Retention;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Offsite;

/// <summary>Clusters sharing one prefix: retention deletes only what a manifest proves is this cluster's.</summary>
internal sealed partial class OffsiteUploadTests
{
    [Test]
    [CancelAfter(240_000)]
    public async Task Prune_AnotherClustersOldCopiesUnderTheSamePrefix_AreLeftUntouchedWhileOursArePruned()
    {
        using var run = new TempDirectory("prune-clusters");
        var bucket = await BucketAsync("prune-clusters");
        var ours = await UploadAgedAsync(run, bucket, pinnedAge: null);
        var theirs = await UploadAgedAsync(run, bucket, pinnedAge: null, ages: [45, 40, 35], member: "m2", clusterId: "2");
        var unknown = await UploadAgedAsync(run, bucket, pinnedAge: null, ages: [50], member: "m3", clusterId: "");
        var log = new CapturingLogger<BucketRetention>();

        await Pruner(run, bucket, OffsiteRetention.Daemon, logger: log).PruneAsync(CancellationToken.None);

        // Ours 40, 35 and 31 days old go (three newer verified remain); cluster 2's, and the one with no cluster ID, all stay.
        var gone = new[] { "-r40", "-r35", "-r31" };
        Assert.That(await ListAsync(bucket), Is.EquivalentTo(
            ours.Where(k => !gone.Any(g => k.Contains($"-m1{g}.", StringComparison.Ordinal))).Concat(theirs).Concat(unknown)));
        var events = Events(log);
        Assert.That(events.Count(e => e.EventName == "RetentionOffsiteDeleted"), Is.EqualTo(3));
        Assert.That(events.Single(e => e.EventName == "RetentionOffsiteOtherCluster").Message,
            Does.Contain("4 objects under cluster-1/").And.Contain("cluster 2, (none), not one of this cluster's (1)"));
    }

    [Test]
    [CancelAfter(240_000)]
    public async Task Prune_AnotherClustersNewerCopies_DoNotCountTowardsOurMinimumKept()
    {
        using var run = new TempDirectory("prune-minimum");
        var bucket = await BucketAsync("prune-minimum");
        // Two newer copies of ours, MinimumKept 3: our 40 days old copy must stay, however many fresh ones cluster 2 has.
        var ours = await UploadAgedAsync(run, bucket, pinnedAge: null, ages: [40, 2, 1]);
        var theirs = await UploadAgedAsync(run, bucket, pinnedAge: null, ages: [3, 2, 1, 0], member: "m2", clusterId: "2");

        await Pruner(run, bucket, OffsiteRetention.Daemon).PruneAsync(CancellationToken.None);

        Assert.That(await ListAsync(bucket), Is.EquivalentTo(ours.Concat(theirs)));
    }

    [Test]
    [CancelAfter(240_000)]
    public async Task Prune_MasterThatKnowsNoClusterId_DeletesNothingAndSaysWhy()
    {
        using var run = new TempDirectory("prune-no-lineage");
        var bucket = await BucketAsync("prune-no-lineage");
        var keys = await UploadAgedAsync(run, bucket, pinnedAge: null);
        var log = new CapturingLogger<BucketRetention>();

        await Pruner(run, bucket, OffsiteRetention.Daemon, lineage: [], logger: log).PruneAsync(CancellationToken.None);

        Assert.That(await ListAsync(bucket), Is.EquivalentTo(keys));
        var logged = Events(log);
        Assert.That(logged.Select(e => e.EventName), Is.EqualTo(new[] { "RetentionOffsiteFailed" }));
        Assert.That(logged[0].Message, Does.Contain("no cluster ID is recorded").And.Contain("nothing was deleted"));
    }

    private static List<(string EventName, string Message)> Events(CapturingLogger<BucketRetention> log)
    {
        var events = new List<(string, string)>();
        while (log.Events.Reader.TryRead(out var e))
        {
            events.Add(e);
        }

        return events;
    }
}
