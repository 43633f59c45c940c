using EtcdBackupd.Etcd;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;

namespace EtcdBackupd.Health;

/// <summary>This master's etcd as the verdict and <c>status</c> see it, and the member it is (its ID names our own snapshots).</summary>
internal sealed record EtcdProbeResult(EtcdHealth Health, string? MemberId);

/// <summary>A quick question to etcd that never holds up <c>status</c> or the health check, even while a snapshot streams.</summary>
internal sealed class EtcdProbe(EtcdOptions etcd)
{
    private static readonly TimeSpan AnswerTime = TimeSpan.FromSeconds(2);

    /// <summary>Whether the member leads, and with <paramref name="describe"/> also its name, leader, revision and size (a key count: for <c>status</c>, not every minute).</summary>
    public async Task<EtcdProbeResult> AskAsync(bool describe, CancellationToken cancellationToken)
    {
        var quick = etcd.WithDialTimeout(AnswerTime);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(AnswerTime * 2);
        try
        {
            await using var connection = await EtcdConnection.ConnectAsync(quick, NullLogger.Instance, timeout.Token);
            var memberId = connection.Status.Header.MemberId.ToString("x");
            if (!describe)
            {
                // Whether it leads, too: the verdict forgives a former leader's failed copy only on a follower.
                return new(new EtcdHealth
                {
                    Healthy = true, Endpoint = connection.Endpoint.ToString(), Version = connection.Status.Version,
                    IsLeader = connection.Status.Leader == connection.Status.Header.MemberId,
                }, memberId);
            }

            var member = await connection.DescribeMemberAsync(timeout.Token);
            return new(new EtcdHealth
            {
                Healthy = true, Endpoint = member.Endpoint.ToString(), Version = member.Version, Member = member.MemberName,
                Leader = member.LeaderName, IsLeader = member.IsLeader, Revision = member.Revision, DbSizeBytes = member.DbSizeBytes,
            }, memberId);
        }
        catch (Exception e) when (e is EtcdException or RpcException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            var error = e switch
            {
                OperationCanceledException => "etcd did not answer in time",
                RpcException rpc => EtcdErrors.Describe(rpc, quick),
                _ => e.Message,
            };
            return new(new EtcdHealth { Healthy = false, Error = error }, null);
        }
    }
}
