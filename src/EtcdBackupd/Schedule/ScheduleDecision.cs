namespace EtcdBackupd.Schedule;

/// <summary>Whether this daemon takes the snapshot a schedule asks for, and the reason it logs either way.</summary>
internal sealed record ScheduleDecision(bool Take, string Reason)
{
    /// <param name="options">Who takes scheduled snapshots, and the follower's grace.</param>
    /// <param name="now">The current time.</param>
    /// <param name="period">One schedule period at this occurrence.</param>
    /// <param name="role">What etcd said of the local member; null when it could not be asked.</param>
    /// <param name="newestSnapshot">The newest snapshot in the directory (ours or a copy from the leader).</param>
    /// <param name="daemonStarted">When this daemon started: with no snapshot at all, a follower gives the leader's daemon a full period from then.</param>
    public static ScheduleDecision Decide(
        ScheduleOptions options, DateTimeOffset now, TimeSpan period, MemberRole? role,
        DateTimeOffset? newestSnapshot, DateTimeOffset daemonStarted)
    {
        if (options.TakenBy == TakenBy.Every)
        {
            return new(true, "Snapshots.TakenBy is 'every'");
        }

        if (role is null)
        {
            // Cannot tell who leads: trying (and recording a failure if etcd is down) beats silently skipping.
            return new(true, "the local member's role is unknown");
        }

        if (role.IsLeader)
        {
            return new(true, $"member {role.MemberName} is the leader");
        }

        var reference = newestSnapshot ?? daemonStarted;
        var quiet = now - reference;
        var allowed = period + options.FollowerGrace;
        if (quiet > allowed)
        {
            var what = newestSnapshot is null ? "no snapshot" : $"the newest snapshot is from {newestSnapshot:yyyy-MM-ddTHH:mm:ssZ}";
            return new(true, $"member {role.MemberName} is a follower but {what}, older than one period ({period}) plus grace ({options.FollowerGrace}): standing in for the leader's daemon");
        }

        return new(false, $"member {role.MemberName} is not the leader (leader is {role.LeaderName}); Snapshots.TakenBy is 'leader'");
    }
}

/// <summary>The local member as etcd sees it.</summary>
internal sealed record MemberRole(string MemberName, bool IsLeader, string LeaderName);
