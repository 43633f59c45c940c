using EtcdBackupd.Restore;

namespace EtcdBackupd.Preflight;

/// <summary>
/// A restore of this member could run today: every parameter is set or found in the etcd unit, and the
/// restore tool is there. The plan is made as <c>restore --dry-run</c> makes it, for a snapshot named SNAPSHOT.
/// </summary>
internal static class RestoreCheck
{
    public static CheckLine Run(RestoreOptions restore)
    {
        var (member, _, problems, chosen) = restore.PlanWithTool("SNAPSHOT");
        var tool = RestoreTool.Locate(chosen.Value);
        return problems.Count > 0
            ? new CheckLine(CheckNames.Restore, false, string.Join("; ", problems))
            : new CheckLine(CheckNames.Restore, true,
                $"member {member.Name.Value} (from {member.Name.Source}), data directory {member.DataDir.Value} (from {member.DataDir.Source}); restore tool {tool} ({chosen.Source})");
    }
}
