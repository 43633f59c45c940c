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
