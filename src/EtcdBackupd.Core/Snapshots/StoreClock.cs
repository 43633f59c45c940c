namespace EtcdBackupd.Snapshots;

/// <summary>
/// The time by which ages are judged in a store another machine keeps (a peer's directory, a bucket): this master's
/// clock, unless it is ahead of the newest write the store itself dated by more than a slack. A master booted with its
/// clock weeks ahead would otherwise take every copy there for old: one run of its retention would leave each store its
/// last few copies, for the whole cluster, and its sweep of partial files would take other masters' uploads in flight.
/// Behind the store's clock, this one is kept: it judges copies younger, and deletes less.
/// </summary>
internal static class StoreClock
{
    /// <summary>
    /// The slack for retention: a day, so that a store nothing reached for a while (etcd down, an unchanged snapshot not
    /// sent again) is not taken for a wrong clock, while a clock weeks ahead still moves the window by a day at most.
    /// </summary>
    public static readonly TimeSpan RetentionSlack = TimeSpan.FromDays(1);

    /// <param name="own">This master's clock.</param>
    /// <param name="newestWrite">The newest modification time the store gave any of its files there; null when it holds none.</param>
    /// <param name="slack">How far ahead of that this clock may be and still be taken as it is.</param>
    public static DateTimeOffset Now(DateTimeOffset own, DateTimeOffset? newestWrite, TimeSpan slack) =>
        newestWrite is { } newest && own > newest + slack ? newest + slack : own;
}
