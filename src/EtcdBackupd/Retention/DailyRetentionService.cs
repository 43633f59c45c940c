using Microsoft.Extensions.Hosting;

namespace EtcdBackupd.Retention;

/// <summary>Runs retention at start and once a day, besides the run after every snapshot.</summary>
internal sealed class DailyRetentionService(RetentionService retention, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Off the start-up path: the first run may read the newest snapshots to verify them.
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            retention.Prune(dryRun: false, stoppingToken);
            await Task.Delay(TimeSpan.FromDays(1), time, stoppingToken);
        }
    }
}
