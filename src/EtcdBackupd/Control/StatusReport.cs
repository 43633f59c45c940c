using System.Text.Json.Nodes;
using EtcdBackupd.Etcd;
using EtcdBackupd.Peers;
using EtcdBackupd.Retention;
using EtcdBackupd.Schedule;
using EtcdBackupd.Service;
using EtcdBackupd.Snapshots;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;

namespace EtcdBackupd.Control;

/// <summary>The answer to "is my cluster backed up?", for <c>etcd-backupctl status</c>.</summary>
internal sealed class StatusReport(
    EtcdOptions etcd, SnapshotOptions snapshots, ScheduleOptions schedule, RetentionOptions retention, DaemonState state)
{
    /// <summary>Asking etcd must not hold up a status request, even while a snapshot streams.</summary>
    private static readonly TimeSpan EtcdAnswerTime = TimeSpan.FromSeconds(2);

    public async Task<JsonObject> BuildAsync(CancellationToken cancellationToken) => new()
    {
        ["version"] = ProductInfo.Version,
        ["etcd"] = await EtcdAsync(cancellationToken),
        ["snapshotDirectory"] = snapshots.Directory,
        ["running"] = state.Running,
        ["lastAttempt"] = state.LastAttempt is { } attempt ? Outcome(attempt) : null,
        ["lastSuccess"] = state.LastSuccess is { } success ? Outcome(success) : null,
        ["nextScheduled"] = state.NextScheduled,
        ["schedules"] = new JsonArray(schedule.Schedules.Select(s => (JsonNode)s.Text).ToArray()),
        ["timeZone"] = schedule.TimeZone.Id,
        ["takenBy"] = schedule.TakenBy.ToString().ToLowerInvariant(),
        ["retention"] = new JsonObject { ["days"] = retention.RetentionDays, ["minimumKept"] = retention.MinimumKept },
        ["peers"] = Peers(state.LastAttempt?.Peers ?? []),
    };

    public static JsonObject Outcome(SnapshotOutcome outcome) => new()
    {
        ["ok"] = outcome.Succeeded,
        ["path"] = outcome.Result?.Path,
        ["sizeBytes"] = outcome.Result?.Manifest.SizeBytes,
        ["sha256"] = outcome.Result?.Manifest.Sha256,
        ["revision"] = outcome.Result?.Manifest.Revision,
        ["createdAt"] = outcome.Result?.Manifest.CreatedAt,
        ["finishedAt"] = outcome.FinishedAt,
        ["durationSeconds"] = Math.Round(outcome.Duration.TotalSeconds, 3),
        ["reason"] = outcome.Reason,
        ["failure"] = outcome.Error?.Failure.ToString(),
        ["error"] = outcome.Error?.Message,
        ["peers"] = Peers(outcome.Peers),
    };

    private static JsonArray Peers(IReadOnlyList<PeerPushResult> peers) =>
        new(peers.Select(p => (JsonNode)new JsonObject
        {
            ["host"] = p.Host, ["port"] = p.Port, ["ok"] = p.Ok, ["skipped"] = p.Skipped, ["error"] = p.Error,
        }).ToArray());

    private async Task<JsonObject> EtcdAsync(CancellationToken cancellationToken)
    {
        var quick = etcd.WithDialTimeout(EtcdAnswerTime);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(EtcdAnswerTime * 2);
        try
        {
            await using var connection = await EtcdConnection.ConnectAsync(quick, NullLogger.Instance, timeout.Token);
            var member = await connection.DescribeMemberAsync(timeout.Token);
            return new JsonObject
            {
                ["healthy"] = true, ["endpoint"] = member.Endpoint.ToString(), ["version"] = member.Version, ["member"] = member.MemberName,
                ["leader"] = member.LeaderName, ["isLeader"] = member.IsLeader, ["revision"] = member.Revision, ["dbSizeBytes"] = member.DbSizeBytes,
            };
        }
        catch (Exception e) when (e is EtcdException or RpcException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new JsonObject { ["healthy"] = false, ["error"] = e is OperationCanceledException ? "etcd did not answer in time" : e.Message };
        }
    }
}
