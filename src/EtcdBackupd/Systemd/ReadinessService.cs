using EtcdBackupd.Service;
using Microsoft.Extensions.Hosting;

namespace EtcdBackupd.Systemd;

/// <summary>
/// Checks what must hold before the daemon can serve (the snapshot directory is writable), then says
/// <c>READY=1</c> once every service has started; keeps <c>STATUS=</c> current afterwards.
/// </summary>
internal sealed class ReadinessService(
    SnapshotOptions snapshots, Notifications notifications, DaemonState state, IHostApplicationLifetime lifetime) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var problem = SnapshotOptions.CheckWritable(snapshots.Directory);
        if (problem is not null)
        {
            throw new Configuration.ConfigurationException($"Snapshots.Directory: {problem}");
        }

        lifetime.ApplicationStarted.Register(() => notifications.Send($"READY=1\nSTATUS={state.Describe()}"));
        state.Changed += OnChanged;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        state.Changed -= OnChanged;
        notifications.Send("STOPPING=1");
        return Task.CompletedTask;
    }

    private void OnChanged() => notifications.Send($"STATUS={state.Describe()}");
}
