namespace EtcdBackupd.Restore;

/// <summary>One member of a cluster restore, as the coordinator sees it: something that answers <c>restore-phase</c> requests.</summary>
internal interface IRestoreMember : IAsyncDisposable
{
    string Name { get; }

    /// <summary>
    /// Sends one phase request. A refusal or failure is an answer, never an exception; a member that
    /// cannot be asked is <see cref="PhaseAnswer.Silent"/>. Cancellation (the phase's deadline) throws.
    /// </summary>
    Task<PhaseAnswer> CallAsync(RestorePhaseRequest request, CancellationToken cancellationToken);
}

internal static class RestoreMemberCalls
{
    /// <summary>
    /// The member's answer, or a silent one saying <paramref name="silence"/> when none comes within
    /// <paramref name="limit"/> (<paramref name="timedOut"/> is told): a member that hangs must hang neither
    /// the restore nor the caller's slot.
    /// </summary>
    public static async Task<PhaseAnswer> CallWithinAsync(
        this IRestoreMember member, RestorePhaseRequest request, TimeSpan limit, string silence, CancellationToken cancellationToken,
        Action? timedOut = null)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(limit);
        try
        {
            return await member.CallAsync(request, deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            timedOut?.Invoke();
            return PhaseAnswer.Silent(silence);
        }
    }
}

/// <summary>The coordinator's own member, answered in-process; a restored cluster's new ID joins the <paramref name="lineage"/> as on the peers.</summary>
internal sealed class LocalMember(MemberPhases phases, string? snapshot, LineageCheck? lineage = null) : IRestoreMember
{
    public string Name => "this master";

    public async Task<PhaseAnswer> CallAsync(RestorePhaseRequest request, CancellationToken cancellationToken)
    {
        var answer = await phases.RunAsync(snapshot, request, cancellationToken);
        return lineage?.Restored(answer) ?? answer;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
