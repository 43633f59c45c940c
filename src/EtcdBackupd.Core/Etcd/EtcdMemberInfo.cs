namespace EtcdBackupd.Etcd;

/// <summary>The member a snapshot comes from, as observed just before the stream starts.</summary>
internal sealed record EtcdMemberInfo(
    Uri Endpoint,
    string Version,
    ulong ClusterId,
    ulong MemberId,
    string MemberName,
    long Revision,
    ulong RaftIndex,
    long DbSizeBytes,
    ulong LeaderId,
    string LeaderName,
    long KeyCount)
{
    public bool IsLeader => LeaderId != 0 && LeaderId == MemberId;
}
