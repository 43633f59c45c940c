using EtcdBackupd.Etcd;
using EtcdBackupd.FileSystem;
using Grpc.Core;

namespace EtcdBackupd.Preflight;

/// <summary>etcd answers on one of <c>Etcd.Endpoints</c>: which member, its role, its version and its database size.</summary>
internal static class EtcdCheck
{
    /// <returns>The line, and the database size for the space checks (null when etcd did not answer).</returns>
    public static async Task<(CheckLine Line, long? DbSizeBytes)> RunAsync(EtcdOptions etcd, ILogger logger, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // Each endpoint gets its dial timeout, and the member's description as long again.
        timeout.CancelAfter(etcd.DialTimeout * (etcd.Endpoints.Count + 1));
        try
        {
            await using var connection = await EtcdConnection.ConnectAsync(etcd, logger, timeout.Token);
            var member = await connection.DescribeMemberAsync(timeout.Token);
            var role = member.IsLeader ? "the leader" : member.LeaderId == 0 ? "without a leader" : $"a follower of {member.LeaderName}";
            return (new CheckLine(CheckNames.Etcd, true,
                $"{member.Endpoint} answers: member {member.MemberName}, {role}, etcd {member.Version}, "
                + $"database {ByteSize.Words(member.DbSizeBytes)}, revision {member.Revision}"), member.DbSizeBytes);
        }
        catch (EtcdException e)
        {
            return (new CheckLine(CheckNames.Etcd, false, e.Message), null);
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            return (new CheckLine(CheckNames.Etcd, false, $"etcd answered but could not describe its member: {EtcdErrors.Describe(e, etcd)}"), null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (new CheckLine(CheckNames.Etcd, false, "etcd did not answer in time (Etcd.DialTimeoutSeconds per endpoint)"), null);
        }
    }
}
