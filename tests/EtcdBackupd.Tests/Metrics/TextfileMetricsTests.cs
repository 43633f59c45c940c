using EtcdBackupd.Health;
using EtcdBackupd.Metrics;
using EtcdBackupd.Protocol.Results;
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

    private static HealthView View(HealthReport report, HeldSnapshot? own = null) => new(
        report, new EtcdHealth { Healthy = true }, new HeldSnapshot("/s/etcd-snapshot-20261124T050000Z-m2-r9.db", At, "m2", 9, 20512), own,
        [new PeerRecord { Peer = "10.0.0.3:22", LastSuccessAt = At, LastAttemptAt = At, LastOk = true, LastError = null, Failures = 2 }],
        At.AddDays(90), At);

    [Test]
    public void Render_WithAHealthView_GivesTheNewestHeldSnapshotPeersCertificateAndVerdict()
    {
        var state = new DaemonState();
        state.Observed(View(new HealthReport(false, [new(HealthReason.CopyFailed, "x")])));

        Assert.That(TextfileMetrics.Render(state, 1), Does.Contain("\netcd_backupd_newest_snapshot_timestamp_seconds 1795496403\n")
            .And.Contain("\netcd_backupd_newest_snapshot_size_bytes 20512\n")
            .And.Contain("\netcd_backupd_peer_last_success_timestamp_seconds{peer=\"10.0.0.3:22\"} 1795496403\n")
            .And.Contain("\netcd_backupd_peer_failures_total{peer=\"10.0.0.3:22\"} 2\n")
            .And.Contain("\netcd_backupd_client_certificate_expiry_timestamp_seconds 1803272403\n")
            .And.Contain("\netcd_backupd_healthy 0\n")
            .And.Contain("\netcd_backupd_unhealthy{reason=\"copy_failed\"} 1\n")
            .And.Contain("\netcd_backupd_unhealthy{reason=\"etcd_unreachable\"} 0\n"));
    }

    [Test]
    public void Render_AfterARestart_LastSuccessIsTheOwnSnapshotReadFromDisk()
    {
        var state = new DaemonState();
        state.Observed(View(new HealthReport(true, []), own: new HeldSnapshot("/s/etcd-snapshot-20261123T050000Z-m1-r8.db", At.AddDays(-1), "m1", 8, 8224)));

        Assert.That(TextfileMetrics.Render(state, 2), Does.Contain("\netcd_backupd_last_success_timestamp_seconds 1795410003\n")
            .And.Contain("\netcd_backupd_last_success_size_bytes 8224\n").And.Contain("\netcd_backupd_healthy 1\n"));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Write_OnChangesFromManyThreadsAtOnce_NeverFailsAndLeavesTheNewestStateWhole()
    {
        using var directory = new TempDirectory("textfile-race");
        var path = Path.Combine(directory.Path, "etcd_backupd.prom");
        var state = new DaemonState();
        var logger = new CapturingLogger<TextfileMetrics>();
        var metrics = new TextfileMetrics(new EtcdBackupd.Configuration.Live<MetricsOptions>(new MetricsOptions { TextfilePath = path }), state,
            new SnapshotDirectory(directory.Path), logger);
        await metrics.StartAsync(CancellationToken.None);

        // A snapshot ending and the health check at the same moment, many times over: each change writes the file.
        using var start = new Barrier(4);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(thread => Task.Run(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < 25; i++)
            {
                state.Finished(thread % 2 == 0 ? SnapshotOutcomes.Succeeded(At.AddMinutes(i)) : SnapshotOutcomes.Failed(At.AddMinutes(i), SnapshotFailure.DiskFull));
            }
        })));
        await metrics.StopAsync(CancellationToken.None);

        logger.Events.Writer.Complete();
        var events = new List<string>();
        await foreach (var e in logger.Events.Reader.ReadAllAsync())
        {
            events.Add($"{e.EventName}: {e.Message}");
        }

        Assert.That(events.Where(e => e.StartsWith("MetricsWriteFailed", StringComparison.Ordinal)), Is.Empty);
        Assert.That(await File.ReadAllTextAsync(path), Is.EqualTo(TextfileMetrics.Render(state, 0)));
        Assert.That(File.Exists(path + ".part"), Is.False);
    }
}
