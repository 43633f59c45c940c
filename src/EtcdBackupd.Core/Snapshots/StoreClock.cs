namespace EtcdBackupd.Snapshots;

/// <summary>
/// The time by which ages are judged in a store another machine keeps (a peer's directory, a bucket): this master's
/// clock, unless it is ahead of the newest write the store itself dated by more than <see cref="NamedAhead.Slack"/>.
/// A master booted with its clock weeks ahead would otherwise take every copy there for old: one run of its retention
/// would leave each store its last few copies, for the whole cluster, and its sweep of partial files would take
/// other masters' uploads in flight. Behind the store's clock, this one is kept: it judges copies younger, and deletes less.
/// </summary>
internal static class StoreClock
{
    /// <param name="own">This master's clock.</param>
    /// <param name="newestWrite">The newest modification time the store gave any of its files there; null when it holds none.</param>
    public static DateTimeOffset Now(DateTimeOffset own, DateTimeOffset? newestWrite) =>
        IsAhead(own, newestWrite) ? newestWrite!.Value + NamedAhead.Slack : own;

    /// <summary>Whether this master's clock is ahead of the store's newest write by more than the slack.</summary>
    public static bool IsAhead(DateTimeOffset own, DateTimeOffset? newestWrite) => newestWrite is { } newest && own > newest + NamedAhead.Slack;
}
