using EtcdBackupd.Configuration;
using EtcdBackupd.Health;
using EtcdBackupd.Retention;
using EtcdBackupd.Schedule;
using EtcdBackupd.Service;

namespace EtcdBackupd.Control;

/// <summary>The answer to "is my cluster backed up?", for <c>etcd-backupctl status</c>: a fresh verdict every time.</summary>
internal sealed class StatusReport(
    SnapshotDirectory directory, SnapshotOptions snapshots, Live<ScheduleOptions> liveSchedule, Live<RetentionOptions> liveRetention, DaemonState state, EtcdProbe probe, HealthCheck health,
    Restore.LocalRestore? restore = null)
{
    private ScheduleOptions schedule => liveSchedule.Current;

    private RetentionOptions retention => liveRetention.Current;

    public async Task<StatusResult> BuildAsync(CancellationToken cancellationToken)
    {
        var view = await health.EvaluateAsync(await probe.AskAsync(describe: true, cancellationToken), cancellationToken);
        // The metrics and STATUS= follow what status has just seen.
        state.Observed(view);
        return new()
        {
            Version = ProductInfo.Version,
            Etcd = view.Etcd,
            SnapshotDirectory = snapshots.Directory,
            Running = state.Running,
            LastAttempt = state.LastAttempt?.ToReport(),
            LastSuccess = state.LastSuccess?.ToReport(),
            NextScheduled = state.NextScheduled,
            Schedules = [.. schedule.Schedules.Select(s => s.Text)],
            TimeZone = schedule.TimeZone.Id,
            TakenBy = schedule.TakenBy.ToString().ToLowerInvariant(),
            Retention = new RetentionRule(retention.RetentionDays, retention.MinimumKept),
            Peers = [.. (state.LastAttempt?.Peers ?? []).Select(p => p.ToCopy())],
            Health = view.Report,
            NewestSnapshot = view.NewestSnapshot,
            NewestOwnSnapshot = view.NewestOwnSnapshot,
            PeerRecords = view.Peers,
            OffsiteRecords = view.Offsite.Count == 0 ? null : view.Offsite,
            ClientCertificateExpiresAt = view.CertificateExpiresAt,
            RestoreSession = restore?.OpenState,
            Pinned = Pinned() is { Count: > 0 } pinned ? pinned : null,
        };
    }

    /// <summary>The pinned snapshots here, newest first: a manifest read per snapshot, as <c>list</c> does.</summary>
    private List<PinnedSnapshot> Pinned() =>
    [
        .. directory.List()
            .Select(entry => (entry.Path, ManifestFile.TryRead(entry.ManifestPath)?.Pin))
            .Where(e => e.Pin is not null)
            .Select(e => new PinnedSnapshot(e.Path, e.Pin!.Label, e.Pin.PinnedAt)),
    ];
}
