using EtcdBackupd.Metrics;
using EtcdBackupd.Service;
using EtcdBackupd.Snapshots;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Metrics;

/// <summary>The node_exporter textfile's content; writing it in place is checked against the real daemon in NotifyTests.</summary>
[Category("Fast")]
internal sealed class TextfileMetricsTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 24, 5, 0, 3, TimeSpan.Zero);

    [Test]
    public void Render_BeforeAnyAttempt_HasNoTimestamps() =>
        Assert.That(TextfileMetrics.Render(new DaemonState(), 0), Does.Not.Contain("timestamp"));

    [Test]
    public void Render_BeforeAnyAttempt_CountsEveryFailureKindAtZero() =>
        Assert.That(TextfileMetrics.Render(new DaemonState(), 0),
            Does.Contain("etcd_backupd_failures_total{kind=\"EtcdUnavailable\"} 0\n").And.Contain("etcd_backupd_failures_total{kind=\"Cancelled\"} 0\n"));

    [Test]
    public void Render_SnapshotCount_IsTheSnapshotsGauge() =>
        Assert.That(TextfileMetrics.Render(new DaemonState(), 7), Does.Contain("\netcd_backupd_snapshots 7\n"));

    [Test]
    public void Render_AfterASuccess_GivesItsUnixTimeAndSize()
    {
        var state = new DaemonState();
        state.Finished(SnapshotOutcomes.Succeeded(At));

        Assert.That(TextfileMetrics.Render(state, 1), Does.Contain("\netcd_backupd_last_success_timestamp_seconds 1795496403\n")
            .And.Contain("\netcd_backupd_last_success_size_bytes 8224\n")
            .And.Contain("\netcd_backupd_last_attempt_success 1\n")
            .And.Contain("\netcd_backupd_last_duration_seconds 3\n"));
    }

    [Test]
    public void Render_AfterAFailure_KeepsTheLastSuccessAndCountsTheFailure()
    {
        var state = new DaemonState();
        state.Finished(SnapshotOutcomes.Succeeded(At));
        state.Finished(SnapshotOutcomes.Failed(At.AddDays(1), SnapshotFailure.DiskFull));

        Assert.That(TextfileMetrics.Render(state, 1), Does.Contain("\netcd_backupd_last_attempt_success 0\n")
            .And.Contain("\netcd_backupd_last_attempt_timestamp_seconds 1795582803\n")
            .And.Contain("\netcd_backupd_last_success_timestamp_seconds 1795496403\n")
            .And.Contain("etcd_backupd_failures_total{kind=\"DiskFull\"} 1\n"));
    }

    [Test]
    public void Render_EveryMetric_HasItsHelpAndTypeLines()
    {
        var state = new DaemonState();
        state.Finished(SnapshotOutcomes.Succeeded(At));

        var names = TextfileMetrics.Render(state, 1).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !l.StartsWith('#')).Select(l => l.Split('{', ' ')[0]).Distinct();

        Assert.That(names, Has.All.Matches<string>(n => TextfileMetrics.Render(state, 1).Contains($"# TYPE {n} ", StringComparison.Ordinal)));
    }
}
