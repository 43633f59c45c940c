using EtcdBackupd.Health;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Health;

/// <summary>The minute's health probe against a real three-member etcd.</summary>
[Parallelizable(ParallelScope.None)]
internal sealed class EtcdProbeTests
{
    [Test]
    [CancelAfter(120_000)]
    public async Task TheMinutesProbe_SaysWhetherTheMemberLeads_AsStatusDoes()
    {
        // Without it a former leader's failed copy, superseded for `status`, stayed a problem for the
        // metrics and STATUS=, and the two flipped each time `status` ran.
        await using var cluster = await EtcdCluster.StartAsync(EtcdBinaries.V34, 3);

        var quick = new List<bool?>();
        foreach (var member in cluster.Members)
        {
            var probe = new EtcdProbe(cluster.ClientOptions(member.ClientUrl));
            var minute = await probe.AskAsync(describe: false, CancellationToken.None);
            var status = await probe.AskAsync(describe: true, CancellationToken.None);
            Assert.That(minute.Health.IsLeader, Is.EqualTo(status.Health.IsLeader), member.Name);
            quick.Add(minute.Health.IsLeader);
        }

        Assert.That(quick, Has.Exactly(1).True.And.Exactly(2).False);
    }
}
