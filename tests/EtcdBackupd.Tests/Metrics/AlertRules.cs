using System.Text;

using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Metrics;

/// <summary>
/// <c>promtool test rules</c> on deploy/prometheus/etcd-backupd.rules.yml, with input series made from a
/// <c>.prom</c> file a real daemon wrote (each sample held for half an hour), never typed by hand.
/// </summary>
internal static class AlertRules
{
    public static readonly string[] All =
        ["EtcdBackupNoRecentSnapshot", "EtcdBackupSnapshotsStale", "EtcdBackupCopiesFailing", "EtcdBackupCertificateExpiring", "EtcdBackupUnhealthy"];

    private static string RulesFile => Path.Combine(EtcdBinaries.RepositoryRoot(), "deploy", "prometheus", "etcd-backupd.rules.yml");

    /// <summary>Writes the promtool test beside <paramref name="promFile"/> and runs it: each alert in <paramref name="firing"/> fires for the file's series at 1 h, the others do not.</summary>
    public static async Task<ProcessResult> TestAsync(string promFile, string instance, params string[] firing)
    {
        var samples = PromFile.Samples(await File.ReadAllTextAsync(promFile));
        var test = new StringBuilder();
        test.Append(System.Globalization.CultureInfo.InvariantCulture, $"rule_files:\n  - {RulesFile}\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n");
        foreach (var (series, value) in samples)
        {
            test.Append(System.Globalization.CultureInfo.InvariantCulture, $"      - series: '{WithInstance(series, instance)}'\n        values: '{value}x90'\n");
        }

        test.Append("    alert_rule_test:\n");
        foreach (var alert in All)
        {
            test.Append(System.Globalization.CultureInfo.InvariantCulture, $"      - eval_time: 1h\n        alertname: {alert}\n        exp_alerts:");
            test.Append(firing.Contains(alert) ? "\n" + Expected(alert, samples, instance) : " []\n");
        }

        var path = Path.ChangeExtension(promFile, ".promtool-test.yml");
        await File.WriteAllTextAsync(path, test.ToString());
        return await ProcessRunner.RunAsync("promtool", ["test", "rules", path]);
    }

    /// <summary>
    /// The file a daemon left when it stopped, read on by node_exporter: its series held for a day and more,
    /// with the newest snapshot taken at promtool's time zero. <c>EtcdBackupSnapshotsStale</c> fires once that
    /// snapshot is older than the file's own threshold, whatever the daemon's last verdict said, and not before.
    /// </summary>
    public static async Task<ProcessResult> StaleAsync(string promFile, string instance)
    {
        var samples = PromFile.Samples(await File.ReadAllTextAsync(promFile))
            .Select(s => s.Series == "etcd_backupd_newest_snapshot_timestamp_seconds" ? (s.Series, Value: "0") : s).ToList();
        var maximum = TimeSpan.FromSeconds(double.Parse(samples.Single(s => s.Series == "etcd_backupd_max_snapshot_age_seconds").Value, System.Globalization.CultureInfo.InvariantCulture));
        var held = (int)(maximum + TimeSpan.FromHours(2)).TotalMinutes;
        var test = new StringBuilder();
        test.Append(System.Globalization.CultureInfo.InvariantCulture, $"rule_files:\n  - {RulesFile}\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n");
        foreach (var (series, value) in samples)
        {
            test.Append(System.Globalization.CultureInfo.InvariantCulture, $"      - series: '{WithInstance(series, instance)}'\n        values: '{value}x{held}'\n");
        }

        test.Append(System.Globalization.CultureInfo.InvariantCulture, $"    alert_rule_test:\n      - eval_time: {(int)(maximum - TimeSpan.FromMinutes(30)).TotalMinutes}m\n        alertname: EtcdBackupSnapshotsStale\n        exp_alerts: []\n");
        test.Append(System.Globalization.CultureInfo.InvariantCulture, $"      - eval_time: {(int)(maximum + TimeSpan.FromHours(1)).TotalMinutes}m\n        alertname: EtcdBackupSnapshotsStale\n        exp_alerts:\n");
        test.Append(Expected("EtcdBackupSnapshotsStale", samples, instance));
        var path = Path.ChangeExtension(promFile, ".promtool-stale.yml");
        await File.WriteAllTextAsync(path, test.ToString());
        return await ProcessRunner.RunAsync("promtool", ["test", "rules", path]);
    }

    /// <summary>The labels a firing alert has: its series' own (reason, instance) and the rule's severity.</summary>
    private static string Expected(string alert, IReadOnlyList<(string Series, string Value)> samples, string instance)
    {
        var (severity, reason) = alert switch
        {
            "EtcdBackupNoRecentSnapshot" => ("critical", "no_recent_snapshot"),
            "EtcdBackupSnapshotsStale" => ("critical", (string?)null),
            "EtcdBackupCopiesFailing" => ("warning", "copy_failed"),
            "EtcdBackupCertificateExpiring" => ("warning", "certificate_expiring"),
            _ => ("warning", (string?)null),
        };
        Assert.That(reason is null || samples.Any(s => s.Series.Contains($"reason=\"{reason}\"", StringComparison.Ordinal) && s.Value == "1"),
            $"the daemon's .prom has no etcd_backupd_unhealthy{{reason=\"{reason}\"}} 1 for {alert} to fire on");
        return $"          - exp_labels:\n              severity: {severity}\n              instance: {instance}\n"
            + (reason is null ? "" : $"              reason: {reason}\n")
            + "            exp_annotations:\n" + string.Concat(Annotations(alert).Select(a => $"              {a}\n")).Replace("{{ $labels.instance }}", instance, StringComparison.Ordinal);
    }

    /// <summary>The rule's own <c>summary:</c> and <c>description:</c> lines, as the shipped file writes them.</summary>
    private static IEnumerable<string> Annotations(string alert) =>
        File.ReadLines(RulesFile).Select(l => l.Trim())
            .SkipWhile(l => l != $"- alert: {alert}").Skip(1).TakeWhile(l => !l.StartsWith("- alert:", StringComparison.Ordinal))
            .Where(l => l.StartsWith("summary:", StringComparison.Ordinal) || l.StartsWith("description:", StringComparison.Ordinal));

    private static string WithInstance(string series, string instance) => series.Contains('{', StringComparison.Ordinal)
        ? series.Replace("{", $"{{instance=\"{instance}\",", StringComparison.Ordinal)
        : $"{series}{{instance=\"{instance}\"}}";
}
