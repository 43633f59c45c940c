using EtcdBackupd.Etcd;
using Grpc.Core;

namespace EtcdBackupd.Schedule;

/// <summary>Where the schedule learns whether the local member leads.</summary>
internal interface IMemberRoleSource
{
    /// <summary>Null when etcd cannot be asked.</summary>
    Task<MemberRole?> GetAsync(CancellationToken cancellationToken);
}

/// <summary>Asks etcd, through the first endpoint that answers (put the local member first).</summary>
internal sealed class MemberRoleProbe(EtcdOptions etcd, ILogger<MemberRoleProbe> logger) : IMemberRoleSource
{
    public async Task<MemberRole?> GetAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await EtcdConnection.ConnectAsync(etcd, logger, cancellationToken);
            var member = await connection.DescribeMemberAsync(cancellationToken);
            return new MemberRole(member.MemberName, member.IsLeader, member.LeaderName);
        }
        catch (Exception e) when (e is EtcdException or RpcException && !cancellationToken.IsCancellationRequested)
        {
            ScheduleLog.RoleUnknown(logger, e.Message);
            return null;
        }
    }
}
