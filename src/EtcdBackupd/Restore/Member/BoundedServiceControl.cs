namespace EtcdBackupd.Restore;

/// <summary>
/// Every stop, start and question about a unit within <c>Restore.UnitTimeoutSeconds</c>. <c>systemctl start</c>
/// of an etcd that waits for peers that never come, or a stop of a unit with <c>TimeoutStopSec=infinity</c>,
/// would otherwise hold the restore (and its session, which no lease can end while a step runs) for ever;
/// the one-shot restore ignores TERM, INT and HUP, so nothing but SIGKILL would end it. Past the bound the
/// command is killed and the step fails, naming the key: the restore then rolls back, whose own unit commands
/// are bounded the same way. systemd carries on with a job it was given; the rollback's next command for the
/// unit replaces it.
/// </summary>
internal sealed class BoundedServiceControl(IServiceControl inner, TimeSpan limit, TimeProvider time) : IServiceControl
{
    public Task StopAsync(string unit, CancellationToken cancellationToken) =>
        WithinAsync($"stop {unit}", token => inner.StopAsync(unit, token), cancellationToken);

    public Task StartAsync(string unit, CancellationToken cancellationToken) =>
        WithinAsync($"start {unit}", token => inner.StartAsync(unit, token), cancellationToken);

    public async Task<bool> IsActiveAsync(string unit, CancellationToken cancellationToken)
    {
        var active = false;
        await WithinAsync($"ask whether {unit} is active", async token => active = await inner.IsActiveAsync(unit, token), cancellationToken);
        return active;
    }

    public async Task<bool> MayRunAsync(string unit, CancellationToken cancellationToken)
    {
        var running = true;
        await WithinAsync($"ask whether {unit} may be running", async token => running = await inner.MayRunAsync(unit, token), cancellationToken);
        return running;
    }

    private async Task WithinAsync(string what, Func<CancellationToken, Task> action, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(limit, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            await action(linked.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"{what} did not finish within Restore.UnitTimeoutSeconds ({limit.TotalSeconds:F0} s); the command was killed, and the unit may still be changing state");
        }
    }
}
