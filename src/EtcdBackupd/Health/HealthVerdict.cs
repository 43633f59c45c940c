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

        foreach (var peer in inputs.Peers.Where(p => p.LastOk == false))
        {
            problems.Add(new(HealthReason.CopyFailed, $"the last copy to {peer.Peer} failed: {peer.LastError}"));
        }

        if (inputs.CertificateExpiresAt is { } expiry && expiry - now <= options.CertificateWarning)
        {
            problems.Add(new(HealthReason.CertificateExpiring, expiry <= now
                ? $"etcd's client certificate (Etcd.CertFile) expired {Age.Of(now - expiry)} ago, at {expiry.UtcDateTime:yyyy-MM-dd HH:mm} UTC"
                : $"etcd's client certificate (Etcd.CertFile) expires in {Age.Of(expiry - now)}, at {expiry.UtcDateTime:yyyy-MM-dd HH:mm} UTC, within Health.CertificateWarningDays ({options.CertificateWarning.TotalDays:0})"));
        }

        return new HealthReport(problems.Count == 0, problems);
    }
}
