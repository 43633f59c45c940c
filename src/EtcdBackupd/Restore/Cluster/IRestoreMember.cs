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

/// <summary>The coordinator's own member, answered in-process.</summary>
internal sealed class LocalMember(MemberPhases phases, string? snapshot) : IRestoreMember
{
    public string Name => "this master";

    public Task<PhaseAnswer> CallAsync(RestorePhaseRequest request, CancellationToken cancellationToken) => phases.RunAsync(snapshot, request, cancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
