using EtcdBackupd.FileSystem;

namespace EtcdBackupd.Service;

/// <summary>What an ad-hoc snapshot request (the control socket's <c>snapshot</c>) gets.</summary>
internal enum AdHocVerdict
{
    /// <summary>
    /// A snapshot that began after the request arrived runs already: the request joins it, no new file.
    /// (One that began earlier may lack writes acknowledged before the request: the request waits for it
    /// to end and is then decided afresh.)
    /// </summary>
    Join,

    /// <summary>etcd has not changed since this daemon's newest verified snapshot: that one is the answer.</summary>
    Unchanged,

    /// <summary>A caller other than root asked again within <c>Control.SnapshotIntervalSeconds</c>.</summary>
    TooSoon,

    /// <summary>The snapshot would leave less than <c>Snapshots.ReserveBytes</c> free.</summary>
    NoSpace,

    Take,
}

/// <summary>What is known when an ad-hoc request arrives; etcd's and the disk's figures are null when they could not be read.</summary>
internal sealed record AdHocFacts(
    bool IsRoot, bool Running, DateTimeOffset Now, DateTimeOffset? LastNonRootNew, SnapshotResult? NewestOwn,
    string? ClusterId, long? Revision, long? DbSizeBytes, long? FreeBytes);

/// <summary>
/// Ad-hoc snapshots that cannot fill the disk: identical copies of one revision are not written again,
/// callers other than root get one new snapshot per interval, and none starts when it would leave
/// less room than the next scheduled snapshot needs. Scheduled snapshots never pass through here.
/// </summary>
internal static class AdHocSnapshots
{
    public static (AdHocVerdict Verdict, string? Why) Decide(AdHocFacts facts, TimeSpan interval, long? reserveBytes)
    {
        if (facts.Running)
        {
            return (AdHocVerdict.Join, null);
        }

        if (facts.NewestOwn is { } newest && facts.ClusterId == newest.Manifest.ClusterId && facts.Revision == newest.Manifest.Revision
            && File.Exists(newest.Path))
        {
            return (AdHocVerdict.Unchanged, $"etcd is still at revision {newest.Manifest.Revision}, as in {Path.GetFileName(newest.Path)}");
        }

        if (!facts.IsRoot && facts.LastNonRootNew is { } last && facts.Now - last < interval)
        {
            var wait = interval - (facts.Now - last);
            return (AdHocVerdict.TooSoon,
                $"a snapshot was asked for {(facts.Now - last).TotalSeconds:F0} s ago; callers other than root get one new snapshot every "
                + $"{interval.TotalSeconds:F0} s (Control.SnapshotIntervalSeconds): ask again in {Math.Ceiling(wait.TotalSeconds):F0} s");
        }

        if (facts.DbSizeBytes is { } db && facts.FreeBytes is { } free)
        {
            var reserve = reserveBytes ?? db;
            if (free < db + reserve)
            {
                return (AdHocVerdict.NoSpace,
                    $"an ad-hoc snapshot would leave too little room: {ByteSize.Words(free)} free, {ByteSize.Words(db + reserve)} needed "
                    + $"(the snapshot, {ByteSize.Words(db)}, and Snapshots.ReserveBytes, {ByteSize.Words(reserve)}, so that the next scheduled snapshot still fits)");
            }
        }

        return (AdHocVerdict.Take, null);
    }
}
