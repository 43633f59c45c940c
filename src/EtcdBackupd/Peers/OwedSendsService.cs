using EtcdBackupd.Configuration;
using Microsoft.Extensions.Hosting;

namespace EtcdBackupd.Peers;

/// <summary>
/// Every <c>Peers.RetrySeconds</c>, the sends the peers are owed (a pin's manifest, an imported snapshot's
/// copy) are tried again, until each arrives. Reading the ledger is all an idle round costs.
/// </summary>
internal sealed class OwedSendsService(PeerPusher pusher, Live<PeersOptions> peers, SnapshotDirectory directory, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            // Read at each round: a reload may change it.
            await Task.Delay(peers.Current.RetryInterval, time, stoppingToken);
            await pusher.PayOwedAsync(directory.Path, stoppingToken);
        }
    }
}
