using System.Globalization;
using System.Text;
using EtcdBackupd.Health;

namespace EtcdBackupd.Metrics;

/// <summary>
/// The series every master can alert on, drawn from the health evaluation (the directory, the copy
/// ledger, the certificate), so they are there from the first second after a restart and on masters
/// that only receive copies. Their names are a contract (README, deploy/prometheus).
/// </summary>
internal static class HealthMetrics
{
    public static void Append(StringBuilder text, HealthView health)
    {
        void Write(string name, string type, string help, IEnumerable<(string Labels, double Value)> samples)
        {
            text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n");
            foreach (var (labels, value) in samples)
            {
                text.Append(CultureInfo.InvariantCulture, $"{name}{labels} {value}\n");
            }
        }

        if (health.NewestSnapshot is { } newest)
        {
            Write("etcd_backupd_newest_snapshot_timestamp_seconds", "gauge",
                "Creation time (from its name) of the newest verified snapshot held on this master, of any member.", [("", newest.CreatedAt.ToUnixTimeSeconds())]);
            Write("etcd_backupd_newest_snapshot_size_bytes", "gauge", "Size of the newest verified snapshot held on this master.", [("", newest.SizeBytes)]);
        }

        if (health.MaxSnapshotAge > TimeSpan.Zero)
        {
            // With the time above, what a rule needs to judge the newest snapshot's age itself: the file keeps
            // both when the daemon stops or dies, where its last verdict would go on saying healthy.
            Write("etcd_backupd_max_snapshot_age_seconds", "gauge", "Health.MaxSnapshotAgeMinutes in seconds: how old the newest snapshot held here may be.",
                [("", health.MaxSnapshotAge.TotalSeconds)]);
        }

        Write("etcd_backupd_peer_last_success_timestamp_seconds", "gauge", "Unix time of the last copy that reached this peer.",
            health.Peers.Where(p => p.LastSuccessAt is not null).Select(p => (Peer(p), (double)p.LastSuccessAt!.Value.ToUnixTimeSeconds())));
        Write("etcd_backupd_peer_failures_total", "counter", "Copies to this peer that failed, kept across restarts.",
            health.Peers.Select(p => (Peer(p), (double)p.Failures)));
        if (health.Offsite.Count > 0)
        {
            Write("etcd_backupd_offsite_last_success_timestamp_seconds", "gauge", "Unix time of this master's last upload that reached this off-site target, checked by reading back.",
                health.Offsite.Where(t => t.LastSuccessAt is not null).Select(t => (Target(t), (double)t.LastSuccessAt!.Value.ToUnixTimeSeconds())));
            Write("etcd_backupd_offsite_failures_total", "counter", "This master's uploads to this off-site target that failed, kept across restarts.",
                health.Offsite.Select(t => (Target(t), (double)t.Failures)));
        }

        if (health.CertificateExpiresAt is { } expiry)
        {
            Write("etcd_backupd_client_certificate_expiry_timestamp_seconds", "gauge", "When etcd's client certificate (Etcd.CertFile) expires.",
                [("", expiry.ToUnixTimeSeconds())]);
        }

        Write("etcd_backupd_healthy", "gauge", "1 when the health verdict finds nothing wrong, else 0 (etcd_backupd_unhealthy says why).",
            [("", health.Report.Healthy ? 1 : 0)]);
        Write("etcd_backupd_unhealthy", "gauge", "1 for each reason the health verdict holds, 0 for the others.",
            Enum.GetValues<HealthReason>().Select(r => ($"{{reason=\"{r.Wire()}\"}}", health.Report.Problems.Any(p => p.Reason == r) ? 1.0 : 0.0)));
    }

    /// <summary><c>{peer="host:port"}</c>, or <c>host:port/directory</c>: a directory is the operator's free text, so escaped.</summary>
    private static string Peer(PeerRecord peer) => $"{{peer=\"{LabelValue(peer.Peer)}\"}}";

    /// <summary><c>{target="name"}</c>; a target's name is the operator's free text, so escaped as the text format says.</summary>
    private static string Target(OffsiteRecord target) => $"{{target=\"{LabelValue(target.Target)}\"}}";

    private static string LabelValue(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
