namespace EtcdBackupd.Snapshots;

/// <summary>
/// A snapshot named more than <see cref="Slack"/> ahead of this clock was taken while a clock ran ahead (its
/// own, or a peer's): it sorts first and would stand in for the real newest ones. Retention keeps it without
/// counting it, health passes over it, and a fetch of "the newest" takes it only when nothing else is there.
/// </summary>
internal static class NamedAhead
{
    /// <summary>How far ahead of this clock a name's time may be and still count: clocks a little apart across masters.</summary>
    public static readonly TimeSpan Slack = TimeSpan.FromHours(1);

    public static bool Of(DateTimeOffset createdAt, DateTimeOffset now) => createdAt > now + Slack;
}
