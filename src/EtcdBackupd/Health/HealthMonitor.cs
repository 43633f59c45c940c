using System.Threading.Channels;
using EtcdBackupd.Service;
using Microsoft.Extensions.Hosting;

namespace EtcdBackupd.Health;

/// <summary>
/// Keeps the verdict current for <c>STATUS=</c> and the metrics: once before the daemon is ready (so both
/// show what is on disk from the first second), after every snapshot attempt, and every minute, since
/// a snapshot ages, etcd goes away and a one-shot <c>push</c> changes the copies without telling us.
/// </summary>
internal sealed class HealthMonitor(HealthCheck check, EtcdProbe probe, DaemonState state, TimeProvider time, ILogger<HealthMonitor> logger)
    : BackgroundService
{
    /// <summary>Alerts fire in minutes; a probe of etcd every minute costs nothing it would notice.</summary>
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private SnapshotOutcome? _seenAttempt;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (await TryEvaluateAsync(cancellationToken) is { } view)
        {
            string newest = Describe(view.NewestSnapshot), own = Describe(view.NewestOwnSnapshot);
            HealthLog.ReadAtStart(logger, newest, own);
        }

        state.Changed += OnChanged;
        await base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        state.Changed -= OnChanged;
        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            using var tick = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var delay = Task.Delay(Interval, time, tick.Token);
            await Task.WhenAny(delay, _wake.Reader.WaitToReadAsync(tick.Token).AsTask());
            await tick.CancelAsync();
            _wake.Reader.TryRead(out _);
            if (!stoppingToken.IsCancellationRequested)
            {
                await TryEvaluateAsync(stoppingToken);
            }
        }
    }

    /// <summary>
    /// Whatever goes wrong in a health check is logged and tried again next minute: a failure here must
    /// never stop the host, and with it the backups it reports on.
    /// </summary>
    private async Task<HealthView?> TryEvaluateAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await EvaluateAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // MESSAGE gets a sentence; the exception, with its type and stack, goes to EXCEPTION.
            HealthLog.CheckFailed(logger, Etcd.EtcdErrors.Plain(e.Message) ?? "an unexpected error (the journal's EXCEPTION field has the details)", e);
            return null;
        }
    }

    private async Task<HealthView> EvaluateAsync(CancellationToken cancellationToken)
    {
        var before = state.Health?.Report;
        var view = await check.EvaluateAsync(await probe.AskAsync(describe: false, cancellationToken), cancellationToken);
        if (before?.Healthy != view.Report.Healthy || (!view.Report.Healthy && !before.Problems.Select(p => p.Reason).SequenceEqual(view.Report.Problems.Select(p => p.Reason))))
        {
            if (view.Report.Healthy)
            {
                HealthLog.Healthy(logger);
            }
            else
            {
                HealthLog.Unhealthy(logger, string.Join("; ", view.Report.Problems.Select(p => p.Message)));
            }
        }

        state.Observed(view);
        return view;
    }

    /// <summary>A new attempt ended: the directory and the copies changed.</summary>
    private void OnChanged()
    {
        if (!ReferenceEquals(state.LastAttempt, _seenAttempt) && !state.Running)
        {
            _seenAttempt = state.LastAttempt;
            _wake.Writer.TryWrite(true);
        }
    }

    private static string Describe(HeldSnapshot? held) =>
        held is null ? "none" : $"{Path.GetFileName(held.Path)} ({held.CreatedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z)";
}
