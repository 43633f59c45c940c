using EtcdBackupd.Retries;

namespace EtcdBackupd.Tests.Retries;

/// <summary>The copies' one retry loop: how many tries, what ends it early, and the words when time runs out.</summary>
[Category("Fast")]
internal sealed class RetryingTests
{
    private static readonly RetryErrors Errors = new(e => e.Message, e => e is UnauthorizedAccessException);

    private static Task<Retried<int>> RunAsync(int attempts, TimeSpan timeout, Func<int, CancellationToken, Task<int>> attempt, List<string> logged)
    {
        var tries = 0;
        return Retrying.RunAsync(new RetryBudget(attempts, timeout, "Test.TimeoutSeconds"), TimeProvider.System, Errors,
            token => attempt(++tries, token), (n, error) => logged.Add($"{n}: {error}"), CancellationToken.None);
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Run_FailsTwiceThenSucceeds_ReturnsTheValueAfterThreeAttempts()
    {
        var logged = new List<string>();

        var result = await RunAsync(3, TimeSpan.FromSeconds(20), (n, _) => n < 3 ? throw new IOException($"cut {n}") : Task.FromResult(42), logged);

        Assert.That((result.Ok, result.Value, result.Error, result.Attempts), Is.EqualTo((true, 42, (string?)null, 3)));
        Assert.That(logged, Is.EqualTo(new[] { "1: cut 1", "2: cut 2" }));
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Run_FinalError_IsNotRetried()
    {
        var logged = new List<string>();

        var result = await RunAsync(3, TimeSpan.FromSeconds(20), (_, _) => throw new UnauthorizedAccessException("access denied"), logged);

        Assert.That((result.Ok, result.Error, result.Attempts), Is.EqualTo((false, (string?)"access denied", 1)));
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Run_AlwaysFailing_EndsWithTheLastErrorAfterEveryAttempt()
    {
        var logged = new List<string>();

        var result = await RunAsync(2, TimeSpan.FromSeconds(20), (n, _) => throw new IOException($"cut {n}"), logged);

        Assert.That((result.Ok, result.Error, result.Attempts), Is.EqualTo((false, (string?)"cut 2", 2)));
        Assert.That(logged, Has.Count.EqualTo(2));
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Run_AttemptOutlastsTheBudget_GivesUpNamingTheKey()
    {
        var logged = new List<string>();

        var result = await RunAsync(3, TimeSpan.FromSeconds(1), async (_, token) =>
        {
            await Task.Delay(Timeout.Infinite, token);
            return 0;
        }, logged);

        Assert.That(result.Ok, Is.False);
        Assert.That(result.Error, Does.StartWith("gave up after Test.TimeoutSeconds (1 s): "));
        Assert.That(result.Attempts, Is.EqualTo(1));
    }

    [Test]
    [CancelAfter(30_000)]
    public void Run_CallerCancels_ThrowsInsteadOfReporting()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.That(async () => await Retrying.RunAsync(new RetryBudget(3, TimeSpan.FromSeconds(20), "Test.TimeoutSeconds"), TimeProvider.System, Errors,
            async token =>
            {
                await Task.Delay(Timeout.Infinite, token);
                return 0;
            }, (_, _) => { }, cancelled.Token), Throws.InstanceOf<OperationCanceledException>());
    }
}
