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

    /// <summary>
    /// How long after an occurrence a follower that skipped it looks for the leader's snapshot:
    /// <c>Snapshots.FollowerGraceMinutes</c>, and five minutes at least: a leader on time still takes,
    /// verifies and pushes a database of gigabytes, and a follower that looked sooner would take a second
    /// snapshot at every occurrence.
    /// </summary>
    public static TimeSpan StandInAfter(ScheduleOptions options) => options.FollowerGrace > LeastStandIn ? options.FollowerGrace : LeastStandIn;

    private static readonly TimeSpan LeastStandIn = TimeSpan.FromMinutes(5);

    /// <summary>
    /// <see cref="StandInAfter"/> an occurrence a follower skipped: did the snapshot for it arrive? One
    /// named from that long before the occurrence on counts (the leader's clock may lag ours), or half a
    /// period if shorter, so that the snapshot of the occurrence before never does. Without it, this
    /// daemon stands in, whatever its role now: a member that has just become the leader took none either.
    /// </summary>
    public static ScheduleDecision StandIn(ScheduleOptions options, DateTimeOffset occurrence, TimeSpan period, MemberRole? role, DateTimeOffset? newestSnapshot)
    {
        var member = role is null ? "the local member" : $"member {role.MemberName}";
        var after = StandInAfter(options);
        var from = occurrence - (after < period / 2 ? after : period / 2);
        if (newestSnapshot is { } newest && newest >= from)
        {
            return new(false, $"the snapshot for it arrived (the newest is from {newest:yyyy-MM-ddTHH:mm:ssZ}); {member} does not stand in");
        }

        var what = newestSnapshot is null ? "no snapshot is here" : $"the newest snapshot is from {newestSnapshot:yyyy-MM-ddTHH:mm:ssZ}";
        return new(true, $"{what}, none for this occurrence {after} after it (Snapshots.FollowerGraceMinutes): {member} is standing in for the leader's daemon");
    }
}

/// <summary>The local member as etcd sees it.</summary>
internal sealed record MemberRole(string MemberName, bool IsLeader, string LeaderName);
