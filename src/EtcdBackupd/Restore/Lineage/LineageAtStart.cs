using Microsoft.Extensions.Hosting;

namespace EtcdBackupd.Restore;

/// <summary>
/// Records the live cluster ID once the daemon has started, if etcd answers: a master whose daemon is
/// new (or upgraded from before lineages) knows its cluster before its first snapshot or restore.
/// In the background: an etcd that does not answer must not delay readiness.
/// </summary>
internal sealed class LineageAtStart(LineageCheck check) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await check.RecordLiveAsync(stoppingToken);
        }
        catch (Exception) when (stoppingToken.IsCancellationRequested)
        {
            // A stop during the first look at etcd: gRPC may say so with an RpcException rather than a cancellation.
        }
    }
}
