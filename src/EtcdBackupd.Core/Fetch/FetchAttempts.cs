namespace EtcdBackupd.Fetch;

/// <summary>
/// One fetch's sources (peers or off-site targets) asked in turn, and what each said when it gave nothing. A
/// source's failure passes the fetch to the next; a different file of that name here, too little room, or a
/// directory that cannot be written, ends it at once, since no other source would fare better. The answer when none gave the snapshot is the
/// most telling failure heard, in the order the fetcher ranks them, with every source's reason.
/// </summary>
internal sealed class FetchAttempts<TSource>(
    Func<TSource, string> label, string noSources, Func<TSource, Exception, (FetchFailure Failure, string Reason)> describe, params FetchFailure[] telling)
{
    private readonly List<(TSource Source, FetchFailure Failure, string Reason)> _said = [];

    public void Add(TSource source, FetchFailure failure, string reason) => _said.Add((source, failure, reason));

    /// <summary>Records an exception that is not the caller's cancellation: what it means for this source, in the fetcher's words.</summary>
    public void Add(TSource source, Exception e)
    {
        var (failure, reason) = describe(source, e);
        Add(source, failure, reason);
    }

    /// <summary>The first of <paramref name="holders"/> whose <paramref name="download"/> succeeds, or null when none did.</summary>
    /// <exception cref="FetchException">A failure no other source could mend (<see cref="FetchFailure.Exists"/>, <see cref="FetchFailure.NoSpace"/>, <see cref="FetchFailure.WriteFailed"/>).</exception>
    public async Task<T?> FirstAsync<THolder, T>(IEnumerable<THolder> holders, Func<THolder, TSource> sourceOf,
        Func<THolder, CancellationToken, Task<T>> download, Action<THolder, string> refused, CancellationToken cancellationToken)
        where T : class
    {
        foreach (var holder in holders)
        {
            try
            {
                return await download(holder, cancellationToken);
            }
            catch (FetchException e) when (e.Failure is not (FetchFailure.Exists or FetchFailure.NoSpace or FetchFailure.WriteFailed))
            {
                Add(sourceOf(holder), e.Failure, e.Message);
            }
            catch (Exception e) when (e is not FetchException && (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested))
            {
                Add(sourceOf(holder), e);
            }

            refused(holder, _said[^1].Reason);
        }

        return null;
    }

    /// <summary>The answer when no source gave the snapshot: the most telling failure (else not found), and what each source said.</summary>
    public FetchException Failed(string what)
    {
        var failure = telling.FirstOrDefault(f => _said.Exists(s => s.Failure == f), FetchFailure.NotFound);
        var details = _said.Count == 0 ? noSources : string.Join("; ", _said.Select(s => $"{label(s.Source)}: {s.Reason}"));
        return new FetchException(failure, $"{what}: {details}");
    }
}
