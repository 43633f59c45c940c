using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Snapshots;

/// <summary>
/// etcd streams a snapshot of what the member has applied, and a follower can be behind the writes the
/// cluster already acknowledged, so the engine first has the member catch up (a linearizable read). A
/// member that has lost its quorum cannot: it is still backed up, and the journal says what the copy may
/// lack. (The catching up itself is what the cluster restore tests rely on: their snapshot is asked for
/// right after the writes, from a member that may be a follower.)
/// </summary>
[TestFixtureSource(typeof(EtcdBinaries), nameof(EtcdBinaries.All))]
[Parallelizable(ParallelScope.None)]
internal sealed class SnapshotConsistencyTests(EtcdBinaries etcd)
{
    [Test]
    [CancelAfter(120_000)]
    public async Task Snapshot_OfAMemberWithoutQuorum_IsStillTakenAndWarnsItMayMissTheLatestWrites()
    {
        using var scratch = new TempDirectory("no-quorum");
        await using var cluster = await EtcdCluster.StartAsync(etcd, 3);
        var written = await SnapshotAgainstEtcdTests.WriteRegistryKeysAsync(cluster, 5);
        await cluster.WaitQuiescentAsync();
        cluster.Kill(cluster.Members[1]);
        cluster.Kill(cluster.Members[2]);
        var survivor = cluster.Members[0];
        var config = Backupd.WriteConfig(scratch.Combine("config.json"), cluster, scratch.Path, survivor.ClientUrl);

        var run = await Backupd.SnapshotAsync(config);

        var result = Backupd.ParseResult(run);
        Assert.That(run.StandardError, Does.Contain("could not confirm it holds every acknowledged write").And.Contain("no quorum?"));
        Assert.That(run.StandardError, Does.Match("no leader|lost its quorum|no answer within Etcd.DialTimeoutSeconds")
            .And.Not.Match(OperatorText.DotNetNames().ToString()), "the reason is a sentence, not a gRPC status name");
        var restored = await SnapshotAgainstEtcdTests.RestoreAndReadAsync(cluster, scratch, result["path"]!.GetValue<string>());
        Assert.That(restored.Keys, Is.EquivalentTo(written.Keys), "the survivor's own data is not what its snapshot holds");
    }
}
