using Microsoft.Extensions.Hosting;

namespace EtcdBackupd.Service;

/// <summary>
/// A stop waits a little for the snapshot run it cancelled to finish cleaning up: an off-site upload's
/// abort (its multipart upload's parts, billed in the bucket until aborted) and a peer's partial file.
/// The scheduler's wait for the run ends at once on a stop, so without this the process could exit
/// while the abort was still on the wire, and nothing would ever remove the parts. Bounded well inside
/// the host's shutdown timeout (20 s) and the unit's TimeoutStopSec.
/// </summary>
internal sealed class SnapshotStopWait(SnapshotCoordinator coordinator, TimeProvider time) : IHostedService
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(15);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (coordinator.Running is { } running)
        {
            // The run's own outcome (cancelled, most likely) is reported by the run; only its end matters here.
            await Task.WhenAny(running, Task.Delay(Limit, time, cancellationToken));
        }
    }
}
