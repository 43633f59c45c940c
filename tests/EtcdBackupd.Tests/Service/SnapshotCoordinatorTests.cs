using EtcdBackupd.Retention;
using EtcdBackupd.Service;
using EtcdBackupd.Snapshots;
using EtcdBackupd.Tests.Snapshots;
using EtcdBackupd.Tests.Support;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace EtcdBackupd.Tests.Service;

[Parallelizable(ParallelScope.None)]
internal sealed class SnapshotCoordinatorTests
{
    [Test]
    [CancelAfter(120_000)]
    public async Task RunAsync_TwoRequestsAtOnce_ProduceOneSnapshot()
    {
        using var dir = new TempDirectory("single");
        await using var cluster = await EtcdCluster.StartAsync(EtcdBinaries.V34, 1);
        await SnapshotAgainstEtcdTests.WriteRegistryKeysAsync(cluster, 50);
        var state = new DaemonState();
        var coordinator = Coordinator(cluster, dir.Path, state);

        var first = coordinator.RunAsync("first", CancellationToken.None);
        var second = coordinator.RunAsync("second", CancellationToken.None);
        var outcomes = await Task.WhenAll(first, second);

        Assert.That(outcomes[0], Is.SameAs(outcomes[1]), "the second request joined the first");
        Assert.That(outcomes[0].Succeeded, Is.True, () => outcomes[0].Error?.ToString() ?? "");
        Assert.That(Directory.GetFiles(dir.Path, "*.db"), Has.Length.EqualTo(1));
        Assert.That(state.LastSuccess, Is.SameAs(outcomes[0]));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task RunAsync_AfterTheFirstFinished_TakesAnotherSnapshot()
    {
        using var dir = new TempDirectory("sequential");
        await using var cluster = await EtcdCluster.StartAsync(EtcdBinaries.V34, 1);
        var coordinator = Coordinator(cluster, dir.Path, new DaemonState());

        var first = await coordinator.RunAsync("first", CancellationToken.None);
        await cluster.PutAsync("/registry/next", [1]);
        var second = await coordinator.RunAsync("second", CancellationToken.None);

        Assert.That(second, Is.Not.SameAs(first));
        Assert.That(Directory.GetFiles(dir.Path, "*.db"), Has.Length.EqualTo(2));
    }

    /// <summary>A coordinator on <paramref name="cluster"/>; off-site targets only when <paramref name="offsite"/> names some.</summary>
    internal static SnapshotCoordinator Coordinator(EtcdCluster cluster, string directory, DaemonState state, EtcdBackupd.Offsite.OffsiteOptions? offsite = null)
    {
        var engine = new SnapshotEngine(cluster.ClientOptions(), new SnapshotOptions { Directory = directory }, TimeProvider.System, NullLogger.Instance);
        var verifier = new SnapshotVerifier();
        var retention = new RetentionService(new SnapshotDirectory(directory), verifier, new RetentionOptions(), TimeProvider.System,
            NullLogger<RetentionService>.Instance);
        var peers = new EtcdBackupd.Peers.PeerPusher(new EtcdBackupd.Peers.PeersOptions(), TimeProvider.System, NullLogger.Instance);
        var remote = new RemoteRetention(new EtcdBackupd.Peers.PeersOptions(), new RetentionOptions(), new SnapshotDirectory(directory),
            TimeProvider.System, NullLogger<RemoteRetention>.Instance);
        var uploader = new EtcdBackupd.Offsite.OffsiteUploader(offsite ?? new EtcdBackupd.Offsite.OffsiteOptions(), TimeProvider.System, NullLogger.Instance);
        return new SnapshotCoordinator(engine, peers, uploader, retention, remote, verifier, state, TimeProvider.System, new StandInLifetime(),
            NullLogger<SnapshotCoordinator>.Instance);
    }

    /// <summary>A stand-in for the host's lifetime: nothing here stops.</summary>
    private sealed class StandInLifetime : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => CancellationToken.None;
        public CancellationToken ApplicationStopping => CancellationToken.None;
        public CancellationToken ApplicationStopped => CancellationToken.None;
        public void StopApplication()
        {
        }
    }
}
