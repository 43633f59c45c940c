namespace EtcdBackupd.Retention;

/// <summary>
/// Which snapshots may go. One rule, and it is conservative: a snapshot is deleted only if it is older
/// than the window by the time in its name AND at least <see cref="RetentionOptions.MinimumKept"/> newer
/// snapshots pass etcd's trailer check. Backups that fail for 40 days therefore still leave the last good ones.
/// A pinned snapshot is never deleted and does not count among the newer good ones: it stands outside the
/// rotation, so pinning one never lets an older unpinned snapshot go sooner than it would have. Nor does
/// one whose name's time is more than <see cref="FutureSlack"/> ahead of now: taken while a clock ran ahead
/// (its own, or a peer's), it would sort first and stand in for the real newest ones, and once backups
/// failed for longer than the window every real one would go, leaving only it, with older data.
/// </summary>
internal static class RetentionPolicy
{
    /// <summary>How far ahead of this clock a name's time may be and still count: clocks a little apart across masters.</summary>
    public static readonly TimeSpan FutureSlack = Snapshots.NamedAhead.Slack;

    public sealed record Deletion(SnapshotEntry Snapshot, string Reason);

    /// <param name="newestFirst">Our snapshots, newest first.</param>
    /// <param name="now">The current time.</param>
    /// <param name="options">The window and the minimum kept.</param>
    /// <param name="isGood">Trailer check; called newest-first only until enough good ones are found.</param>
    /// <param name="isPinned">Whether the manifest holds a pin; called only for a snapshot that would be deleted or counted.</param>
    public static IReadOnlyList<Deletion> Decide(
        IReadOnlyList<SnapshotEntry> newestFirst, DateTimeOffset now, RetentionOptions options, Func<SnapshotEntry, bool> isGood,
        Func<SnapshotEntry, bool>? isPinned = null)
    {
        isPinned ??= _ => false;
        var cutoff = Cutoff(now, options);
        var goodNewer = 0;
        var deletions = new List<Deletion>();
        foreach (var snapshot in newestFirst)
        {
            if (snapshot.CreatedAt < cutoff && goodNewer >= options.MinimumKept)
            {
                if (!isPinned(snapshot))
                {
                    deletions.Add(new Deletion(snapshot,
                        $"created {snapshot.CreatedAt:yyyy-MM-ddTHH:mm:ssZ}, older than {options.RetentionDays} days, and {goodNewer} newer verified snapshots remain"));
                }
            }
            else if (goodNewer < options.MinimumKept && !NamedAhead(snapshot, now) && !isPinned(snapshot) && isGood(snapshot))
            {
                goodNewer++;
            }
        }

        return deletions;
    }

    /// <summary>Whether the snapshot's name is more than <see cref="FutureSlack"/> ahead of <paramref name="now"/>: taken while a clock ran ahead.</summary>
    public static bool NamedAhead(SnapshotEntry snapshot, DateTimeOffset now) => Snapshots.NamedAhead.Of(snapshot.CreatedAt, now);

    /// <summary>
    /// The time by which a store another machine keeps (a peer's directory, a bucket) is judged (<see cref="Snapshots.StoreClock"/>);
    /// <paramref name="warnAhead"/> gets it and the store's newest write when this master's clock is ahead of that write, to log with the store's own fields.
    /// </summary>
    public static DateTimeOffset JudgedNow(DateTimeOffset own, DateTimeOffset? newestWrite, Action<DateTimeOffset, DateTimeOffset> warnAhead)
    {
        var judged = Snapshots.StoreClock.Now(own, newestWrite, Snapshots.StoreClock.RetentionSlack);
        if (judged != own)
        {
            warnAhead(judged, newestWrite!.Value);
        }

        return judged;
    }

    /// <summary>A snapshot whose name's time is before this is past the window (by age alone; <see cref="Decide"/> adds the rest).</summary>
    public static DateTimeOffset Cutoff(DateTimeOffset now, RetentionOptions options) => now - TimeSpan.FromDays(options.RetentionDays);
}
