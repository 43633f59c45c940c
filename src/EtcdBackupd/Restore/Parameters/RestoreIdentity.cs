namespace EtcdBackupd.Restore;

/// <summary>
/// A cluster restore gives the cluster a new identity. etcd derives its member IDs and cluster ID from
/// the peer URLs and <c>--initial-cluster-token</c>; restored with the token it had, the cluster keeps
/// its old IDs, and a member left on its old data (a rollback that failed, a link cut mid-restore)
/// joins it when started and silently serves other data. With the token plus this restore's suffix,
/// the same on every member (it is derived from the session the coordinator named), the restored
/// cluster has a new cluster ID and refuses such a member ("cluster ID mismatch") instead.
/// </summary>
internal static class RestoreIdentity
{
    /// <summary>The suffix of the token for cluster restore <paramref name="session"/>.</summary>
    public static string Suffix(string session) => "-restore-" + session;

    /// <summary>The parameters with the session's token; unchanged for the restore of one member (no session).</summary>
    public static MemberParameters Apply(MemberParameters member, string? session) => session is null || member.InitialClusterToken.Value.Length == 0
        ? member
        : member with
        {
            InitialClusterToken = new(member.InitialClusterToken.Value + Suffix(session),
                member.InitialClusterToken.Source + ", plus this cluster restore's suffix (a new cluster ID)"),
        };
}
