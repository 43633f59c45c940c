namespace EtcdBackupd.Health;

/// <summary>
/// The one place that decides whether this master is protected. <c>status</c> (its exit code), <c>STATUS=</c>
/// and <c>etcd_backupd_healthy</c> all show what this returns, so they never disagree.
/// </summary>
internal static class HealthVerdict
{
    public static HealthReport Judge(HealthInputs inputs, HealthOptions options, DateTimeOffset now)
    {
        var problems = new List<HealthProblem>();
        if (!inputs.Etcd.Healthy)
        {
            problems.Add(new(HealthReason.EtcdUnreachable, $"etcd does not answer: {inputs.Etcd.Error}"));
        }

        var maximum = $"Health.MaxSnapshotAgeMinutes ({Age.Of(options.MaxSnapshotAge)})";
        if (inputs.NewestSnapshot is not { } newest)
        {
            problems.Add(new(HealthReason.NoRecentSnapshot, $"no verified snapshot is held on this master; one is expected within {maximum}"));
        }
        else if (now - newest.CreatedAt > options.MaxSnapshotAge)
        {
            problems.Add(new(HealthReason.NoRecentSnapshot,
                $"the newest verified snapshot held here was taken {Age.Of(now - newest.CreatedAt)} ago (member {newest.Member}), more than {maximum}"));
        }

        foreach (var peer in inputs.Peers.Where(p => p.LastOk == false && !Superseded(p, inputs)))
        {
            var of = peer.LastSnapshot is { } snapshot ? $" ({snapshot})" : "";
            problems.Add(new(HealthReason.CopyFailed, $"the last copy to {peer.Peer} failed{of}: {peer.LastError}"));
        }

        problems.AddRange(OffsiteProblems(inputs, options, maximum));
        if (inputs.CertificateExpiresAt is { } expiry && expiry - now <= options.CertificateWarning)
        {
            problems.Add(new(HealthReason.CertificateExpiring, expiry <= now
                ? $"etcd's client certificate (Etcd.CertFile) expired {Age.Of(now - expiry)} ago, at {expiry.UtcDateTime:yyyy-MM-dd HH:mm} UTC"
                : $"etcd's client certificate (Etcd.CertFile) expires in {Age.Of(expiry - now)}, at {expiry.UtcDateTime:yyyy-MM-dd HH:mm} UTC, within Health.CertificateWarningDays ({options.CertificateWarning.TotalDays:0})"));
        }

        return new HealthReport(problems.Count == 0, problems);
    }

    /// <summary>
    /// Judged against this master's own newest snapshot, not the clock: only the daemon that took a snapshot
    /// uploads it, so a master that stopped taking them (a follower under <c>TakenBy: leader</c>) owes the
    /// bucket nothing, and one that goes on taking them owes each a copy within the schedule's longest gap.
    /// A target this master never uploaded to is not judged: another master may be the one that uploads.
    /// </summary>
    /// <summary>
    /// A failed copy is no longer this master's to answer for once leadership moved (<c>TakenBy: leader</c>,
    /// another member leads) and it holds a newer snapshot another master took: the new leader's pushes,
    /// judged by its own verdict, carry the newer one. Without this a former leader stayed unhealthy until
    /// someone pushed from it by hand. Where this master still takes snapshots (the leader, or
    /// <c>TakenBy: every</c>) its failure stands whatever arrived from others: its own link is still broken.
    /// </summary>
    private static bool Superseded(PeerRecord peer, HealthInputs inputs) =>
        inputs.FollowerUnderLeader && peer.LastSnapshot is { } failed && inputs.NewestSnapshot is { } newest && newest.Path != inputs.NewestOwnSnapshot?.Path
        && SnapshotFileName.IsOlder(failed, Path.GetFileName(newest.Path));

    private static IEnumerable<HealthProblem> OffsiteProblems(HealthInputs inputs, HealthOptions options, string maximum)
    {
        foreach (var target in inputs.Offsite.Where(t => t.LastAttemptAt is not null))
        {
            if (target.LastOk == false)
            {
                yield return new(HealthReason.OffsiteCopyFailed, $"the last off-site copy to {target.Target} failed: {target.LastError}");
            }
            else if (inputs.NewestOwnSnapshot is { } own && target.LastSuccessAt is { } success && own.CreatedAt - success > options.MaxSnapshotAge)
            {
                yield return new(HealthReason.OffsiteCopyStale,
                    $"the last off-site copy to {target.Target} was made {Age.Of(own.CreatedAt - success)} before this master's newest snapshot, more than {maximum}");
            }
        }
    }
}
