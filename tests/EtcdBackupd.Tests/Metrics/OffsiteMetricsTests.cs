using EtcdBackupd.Health;
using EtcdBackupd.Metrics;
using EtcdBackupd.Protocol.Results;
using EtcdBackupd.Service;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Metrics;

/// <summary>The off-site and per-peer series in the node_exporter textfile (labels of an operator's free text), and promtool's word on the whole file.</summary>
internal sealed class OffsiteMetricsTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 24, 5, 0, 3, TimeSpan.Zero);

    private static string Render(params OffsiteRecord[] targets)
    {
        var state = new DaemonState();
        state.Observed(new HealthView(new HealthReport(true, []), new EtcdHealth { Healthy = true }, null, null, [], null, At) { Offsite = targets });
        return TextfileMetrics.Render(state, 1);
    }

    private static OffsiteRecord Target(string name, DateTimeOffset? success, long failures) => new()
    {
        Target = name, LastSuccessAt = success, LastAttemptAt = At, LastOk = failures == 0, LastError = failures == 0 ? null : "x", Failures = failures,
    };

    [Test]
    [Category("Fast")]
    public void Render_TwoTargets_GivesEachOnesLastSuccessAndFailures() =>
        Assert.That(Render(Target("primary", At, 0), Target("dr", null, 3)),
            Does.Contain("\netcd_backupd_offsite_last_success_timestamp_seconds{target=\"primary\"} 1795496403\n")
                .And.Contain("\netcd_backupd_offsite_failures_total{target=\"primary\"} 0\n")
                .And.Contain("\netcd_backupd_offsite_failures_total{target=\"dr\"} 3\n")
                .And.Not.Contain("etcd_backupd_offsite_last_success_timestamp_seconds{target=\"dr\"}"));

    [Test]
    [Category("Fast")]
    public void Render_NoTargets_HasNoOffsiteSeries() =>
        Assert.That(Render(), Does.Not.Contain("etcd_backupd_offsite_"));

    [Test]
    [CancelAfter(60_000)]
    public async Task Render_TargetNamedWithQuotesAndBackslashes_PassesPromtoolCheckMetrics()
    {
        using var dir = new TempDirectory("offsite-metrics");
        var prom = dir.Combine("etcd_backupd.prom");
        await File.WriteAllTextAsync(prom, Render(Target("primary", At, 0), Target("odd \"name\" \\ here", null, 2)));

        var checkedFile = await ProcessRunner.RunAsync("sh", ["-c", "promtool check metrics < \"$1\"", "sh", prom]);

        Assert.That(checkedFile.ExitCode, Is.Zero, checkedFile.ToString);
        Assert.That(await File.ReadAllTextAsync(prom), Does.Contain("{target=\"odd \\\"name\\\" \\\\ here\"} 2\n"));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Render_TwoPeersBehindOneSshd_GivesEachItsOwnSeriesThatPassPromtool()
    {
        using var dir = new TempDirectory("peer-metrics");
        var prom = dir.Combine("etcd_backupd.prom");
        PeerRecord Peer(string key, long failures) => new()
        {
            Peer = key, LastSuccessAt = At, LastAttemptAt = At, LastOk = failures == 0, LastError = failures == 0 ? null : "x", Failures = failures,
        };
        var state = new DaemonState();
        state.Observed(new HealthView(new HealthReport(true, []), new EtcdHealth { Healthy = true }, null, null,
            [Peer("127.0.0.1:2222/var/lib/m2", 0), Peer("127.0.0.1:2222/srv/\"odd\" \\ m3", 4)], null, At));
        await File.WriteAllTextAsync(prom, TextfileMetrics.Render(state, 1));

        var checkedFile = await ProcessRunner.RunAsync("sh", ["-c", "promtool check metrics < \"$1\"", "sh", prom]);

        Assert.That(checkedFile.ExitCode, Is.Zero, checkedFile.ToString);
        Assert.That(await File.ReadAllTextAsync(prom), Does.Contain("etcd_backupd_peer_failures_total{peer=\"127.0.0.1:2222/var/lib/m2\"} 0\n")
            .And.Contain("etcd_backupd_peer_failures_total{peer=\"127.0.0.1:2222/srv/\\\"odd\\\" \\\\ m3\"} 4\n"));
    }
}
