using System.Diagnostics;

namespace EtcdBackupd.Tests.Support;

/// <summary>
/// The one way a test waits for what nothing tells it about (a file, a log line, a port, a unit's
/// status): ask again until it holds, and when the time is up fail the test, naming what never happened.
/// A condition may itself fail the test early, for instance when the process it waits on has exited.
/// </summary>
internal static class Eventually
{
    /// <summary>Short enough not to slow a test down, long enough not to spin a core of a 2-core machine.</summary>
    private static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(50);

    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> what, TimeSpan? interval = null,
        CancellationToken cancellationToken = default)
    {
        var waited = Stopwatch.StartNew();
        while (!await condition())
        {
            if (waited.Elapsed >= timeout)
            {
                Assert.Fail($"waited {timeout.TotalSeconds:0.#} s in vain for {what()}");
            }

            await Task.Delay(interval ?? DefaultInterval, cancellationToken);
        }
    }

    public static Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, TimeSpan? interval = null,
        CancellationToken cancellationToken = default) =>
        UntilAsync(condition, timeout, () => what, interval, cancellationToken);

    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, Func<string> what, TimeSpan? interval = null,
        CancellationToken cancellationToken = default) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, what, interval, cancellationToken);

    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what, TimeSpan? interval = null,
        CancellationToken cancellationToken = default) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, () => what, interval, cancellationToken);
}
