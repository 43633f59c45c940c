using EtcdBackupd.Configuration;
using EtcdBackupd.Etcd;
using EtcdBackupd.Retention;
using EtcdBackupd.Schedule;
using EtcdBackupd.Service;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;

namespace EtcdBackupd.Control;

/// <summary>The answer to "is my cluster backed up?", for <c>etcd-backupctl status</c>.</summary>
internal sealed class StatusReport(
    EtcdOptions etcd, SnapshotOptions snapshots, Live<ScheduleOptions> liveSchedule, Live<RetentionOptions> liveRetention, DaemonState state,
    Restore.LocalRestore? restore = null)
{
    private ScheduleOptions schedule => liveSchedule.Current;

    private RetentionOptions retention => liveRetention.Current;

    /// <summary>Asking etcd must not hold up a status request, even while a snapshot streams.</summary>
    private static readonly TimeSpan EtcdAnswerTime = TimeSpan.FromSeconds(2);

    public async Task<StatusResult> BuildAsync(CancellationToken cancellationToken) => new()
    {
        Version = ProductInfo.Version,
        Etcd = await EtcdAsync(cancellationToken),
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
        RestoreSession = restore?.OpenState,
    };

    private async Task<EtcdHealth> EtcdAsync(CancellationToken cancellationToken)
    {
        var quick = etcd.WithDialTimeout(EtcdAnswerTime);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(EtcdAnswerTime * 2);
        try
        {
            await using var connection = await EtcdConnection.ConnectAsync(quick, NullLogger.Instance, timeout.Token);
            var member = await connection.DescribeMemberAsync(timeout.Token);
            return new EtcdHealth
            {
                Healthy = true, Endpoint = member.Endpoint.ToString(), Version = member.Version, Member = member.MemberName,
                Leader = member.LeaderName, IsLeader = member.IsLeader, Revision = member.Revision, DbSizeBytes = member.DbSizeBytes,
            };
        }
        catch (Exception e) when (e is EtcdException or RpcException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new EtcdHealth { Healthy = false, Error = e is OperationCanceledException ? "etcd did not answer in time" : e.Message };
        }
    }
}
