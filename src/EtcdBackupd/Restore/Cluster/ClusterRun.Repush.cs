namespace EtcdBackupd.Restore;

/// <summary>The check's second chance: a peer's copy that went bad under a good manifest is replaced once, then checked again.</summary>
internal sealed partial class ClusterRun
{
    /// <summary>
    /// Pushes this master's copy again to the given members, even where their manifest matches; an error
    /// message, or null. Without it a copy that fails its check refuses the restore at once.
    /// </summary>
    public Func<IReadOnlyList<IRestoreMember>, CancellationToken, Task<string?>>? RepushTo { get; init; }

    /// <summary>
    /// The check on <paramref name="on"/>. Once this master's own copy has passed it, a peer whose copy
    /// fails it gets that copy pushed again (once) and checks again; a silent peer gets nothing, its state is unknown.
    /// </summary>
    private async Task<string?> CheckOrRepushAsync(IReadOnlyList<IRestoreMember> on, RestorePhaseRequest check, CancellationToken cancellationToken)
    {
        var failure = await PhaseAsync(on, check, cancellationToken);
        var failed = on.Where(m => !_opened.Contains(m)).ToList();
        if (failure is null || RepushTo is null || !_opened.Contains(members[0]) || failed.Any(_silent.Contains))
        {
            return failure;
        }

        foreach (var member in failed)
        {
            progress(member.Name, "its copy failed the check: this master's verified copy is pushed there again");
        }

        return await WhileRenewingAsync(RepushTo(failed, cancellationToken), [.. _opened])
            ?? (await PhaseAsync(failed, check, cancellationToken) is { } again ? $"{again} (after this master's copy was pushed there again)" : null);
    }
}
