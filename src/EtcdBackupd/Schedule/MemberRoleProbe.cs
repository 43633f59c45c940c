using EtcdBackupd.Etcd;
using EtcdBackupd.Lineage;
using Grpc.Core;

namespace EtcdBackupd.Schedule;

/// <summary>Where the schedule learns whether the local member leads.</summary>
internal interface IMemberRoleSource
{
    /// <summary>Null when etcd cannot be asked.</summary>
    Task<MemberRole?> GetAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Asks etcd, through the first endpoint that answers (put the local member first). Every daemon asks at
/// every scheduled time, so the cluster ID it sees joins the lineage on masters that take no snapshots too.
/// </summary>
internal sealed class MemberRoleProbe(EtcdOptions etcd, ClusterLineage lineage, ILogger<MemberRoleProbe> logger) : IMemberRoleSource
{
    public async Task<MemberRole?> GetAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await EtcdConnection.ConnectAsync(etcd, logger, cancellationToken);
            var member = await connection.DescribeMemberAsync(cancellationToken);
            lineage.Record(ClusterIds.Of(member.ClusterId));
            return new MemberRole(member.MemberName, member.IsLeader, member.LeaderName);
        }
        catch (Exception e) when (e is EtcdException or RpcException && !cancellationToken.IsCancellationRequested)
        {
            ScheduleLog.RoleUnknown(logger, e.Message);
            return null;
        }
    }
}
