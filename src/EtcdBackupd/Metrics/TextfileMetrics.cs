using System.Globalization;
using System.Text;
using EtcdBackupd.Configuration;
using EtcdBackupd.FileSystem;
using EtcdBackupd.Service;
using Microsoft.Extensions.Hosting;

namespace EtcdBackupd.Metrics;

/// <summary>
/// Rewrites the <c>.prom</c> file after every snapshot attempt, atomically (write, fsync, rename), so
/// node_exporter never reads half a file. Skipped, with one log line, when its directory does not exist.
/// </summary>
internal sealed class TextfileMetrics(
    Live<MetricsOptions> metrics, DaemonState state, SnapshotDirectory directory, ILogger<TextfileMetrics> logger) : IHostedService
{
    /// <summary>
    /// One write at a time. The state changes on several threads (a snapshot ending, the health check, a
    /// reload); two writes at once shared the one <c>.part</c> file, so one renamed it away under the other,
    /// which failed ("Could not find file ...prom.part") and could leave the older state in place until
    /// the next change. The path and the state are read under the lock, so the last write carries the
    /// newest state to the file the configuration names now.
    /// </summary>
    private readonly Lock _writing = new();

    /// <summary>Read at each write: a reload may move the file or turn it off.</summary>
    private MetricsOptions options => metrics.Current;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        SayIfSkipped();
        state.Changed += Write;
        Write();
        return Task.CompletedTask;
    }

    /// <summary>After a reload: the file where the configuration says now; the one it named before, if another, removed.</summary>
    public void Reloaded(string? previousPath)
    {
        if (previousPath == options.TextfilePath)
        {
            return;
        }

        if (previousPath is not null)
        {
            // Under the writes' lock: a write that read the old path before the reload ends before the file
            // is removed, and does not bring it back afterwards.
            lock (_writing)
            {
                try
                {
                    File.Delete(previousPath);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    MetricsLog.WriteFailed(logger, previousPath, e.Message);
                }
            }
        }

        SayIfSkipped();
        Write();
    }

    private void SayIfSkipped()
    {
        if (options.TextfilePath is { } path && !Directory.Exists(Path.GetDirectoryName(path)))
        {
            MetricsLog.Disabled(logger, path);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        state.Changed -= Write;
        return Task.CompletedTask;
    }

    internal static string Render(DaemonState state, int snapshotCount)
    {
        var text = new StringBuilder();
        void Gauge(string name, string help, double value, string labels = "")
        {
            text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} gauge\n{name}{labels} {value}\n");
        }

        if (LastSuccess(state) is { } success)
        {
            Gauge("etcd_backupd_last_success_timestamp_seconds", "Creation time of this member's newest verified snapshot (from disk after a restart).",
                success.CreatedAt.ToUnixTimeSeconds());
            Gauge("etcd_backupd_last_success_size_bytes", "Size of this member's newest verified snapshot.", success.SizeBytes);
        }

        if (state.LastAttempt is { } attempt)
        {
            Gauge("etcd_backupd_last_attempt_success", "1 if the last snapshot attempt succeeded, else 0.", attempt.Succeeded ? 1 : 0);
            Gauge("etcd_backupd_last_attempt_timestamp_seconds", "Unix time the last snapshot attempt ended.", attempt.FinishedAt.ToUnixTimeSeconds());
            Gauge("etcd_backupd_last_duration_seconds", "Duration of the last snapshot attempt.", Math.Round(attempt.Duration.TotalSeconds, 3));
        }

        Gauge("etcd_backupd_snapshots", "Snapshots in the snapshot directory.", snapshotCount);
        text.Append("# HELP etcd_backupd_failures_total Failed snapshot attempts since start, by kind.\n# TYPE etcd_backupd_failures_total counter\n");
        var failures = state.Failures;
        foreach (var kind in Enum.GetValues<SnapshotFailure>())
        {
            text.Append(CultureInfo.InvariantCulture, $"etcd_backupd_failures_total{{kind=\"{kind}\"}} {failures.GetValueOrDefault(kind)}\n");
        }

        if (state.Health is { } health)
        {
            HealthMetrics.Append(text, health);
        }

        return text.ToString();
    }

    /// <summary>
    /// This member's newest verified snapshot, by its creation time: the one just taken, or the one the
    /// directory holds (after a restart, or when the health check has read it first).
    /// </summary>
    private static (DateTimeOffset CreatedAt, long SizeBytes)? LastSuccess(DaemonState state)
    {
        (DateTimeOffset CreatedAt, long SizeBytes)? taken = state.LastSuccess?.Result?.Manifest is { } m ? (m.CreatedAt, m.SizeBytes) : null;
        (DateTimeOffset CreatedAt, long SizeBytes)? held = state.Health?.NewestOwnSnapshot is { } h ? (h.CreatedAt, h.SizeBytes) : null;
        return taken is null ? held : held is null || taken.Value.CreatedAt >= held.Value.CreatedAt ? taken : held;
    }

    private void Write()
    {
        lock (_writing)
        {
            if (options.TextfilePath is not { } path || !Directory.Exists(Path.GetDirectoryName(path)))
            {
                return;
            }

            try
            {
                Durable.WriteAllBytes(path, Encoding.UTF8.GetBytes(Render(state, directory.List().Count)),
                    UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                MetricsLog.WriteFailed(logger, path, e.Message);
            }
        }
    }
}
