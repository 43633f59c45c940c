namespace EtcdBackupd.Retries;

/// <summary>How one copy is retried: its tries, its whole time budget, and the key that sets that budget (named when it runs out).</summary>
internal sealed record RetryBudget(int Attempts, TimeSpan Timeout, string TimeoutKey);

/// <summary>The end of a retried copy: its value when an attempt succeeded, else the last error in words; the attempts made.</summary>
internal sealed record Retried<T>(bool Ok, T? Value, string? Error, int Attempts);

/// <summary>What a retried copy needs to know about its errors: the words for an operator, and whether a retry could help.</summary>
internal sealed record RetryErrors(Func<Exception, string> Describe, Func<Exception, bool> IsFinal);

/// <summary>
/// The one retry loop of the copies that leave this master (peers over SFTP, off-site buckets): up to
/// <see cref="RetryBudget.Attempts"/> tries, 1 s, 2 s, 4 s... apart, all within <see cref="RetryBudget.Timeout"/>; an
/// error a retry would meet again ends it at once; running out of time says which key set the budget. Only
/// the caller's own cancellation escapes as an exception: every other ending is a result.
/// </summary>
internal static class Retrying
{
    public static async Task<Retried<T>> RunAsync<T>(
        RetryBudget budget, TimeProvider time, RetryErrors errors, Func<CancellationToken, Task<T>> attempt,
        Action<int, string> attemptFailed, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(budget.Timeout, time);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var gaveUp = $"gave up after {budget.TimeoutKey} ({budget.Timeout.TotalSeconds:F0} s): ";
        var error = "";
        var tries = 0;
        while (tries < budget.Attempts)
        {
            tries++;
            try
            {
                return new Retried<T>(true, await attempt(deadline.Token), null, tries);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                error = (timeout.IsCancellationRequested ? gaveUp : "") + errors.Describe(e);
                attemptFailed(tries, error);
                if (errors.IsFinal(e) || timeout.IsCancellationRequested || tries == budget.Attempts)
                {
                    break;
                }

                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(Math.Pow(2, tries - 1)), time, deadline.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    error = gaveUp + error;
                    break;
                }
            }
        }

        return new Retried<T>(false, default, error, tries);
    }
}
