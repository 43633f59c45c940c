using EtcdBackupd.Configuration;
using EtcdBackupd.Fetch;
using EtcdBackupd.Offsite;
using EtcdBackupd.Peers;

namespace EtcdBackupd.Control.Handlers;

/// <summary>
/// <c>fetch</c> (root only): a snapshot and its manifest from a peer or an off-site target into this master's
/// directory, verified before it takes its name, for a master whose disk was replaced. One fetch at a time.
/// </summary>
internal sealed class FetchHandler(PeerFetcher fetcher, OffsiteFetcher offsiteFetcher, Live<PeersOptions> peers, Live<OffsiteOptions> offsite)
    : ControlHandler<FetchRequest>(ProtocolJsonContext.Default.FetchRequest), IDisposable
{
    private readonly SemaphoreSlim _one = new(1, 1);

    public override string Name => FetchRequest.Name;

    public override string? GroupUse => null;

    protected override bool NeedsRoot(FetchRequest arguments) => true;

    protected override async Task<Reply> RunAsync(FetchRequest arguments, ControlCall call, CancellationToken cancellationToken)
    {
        if (Problem(arguments) is { } problem)
        {
            return Reply.Failure(ErrorCodes.BadRequest, problem);
        }

        if (arguments.Source is { Kind: FetchSourceKind.Offsite } source)
        {
            return await FromOffsiteAsync(arguments, source, call, cancellationToken);
        }

        var targets = Targets(arguments.Source);
        if (targets.Count == 0)
        {
            var known = peers.Current.Targets.Count == 0 ? "none is configured" : "Peers.Targets has " + string.Join(", ", peers.Current.Targets.Select(t => $"{t.Host}:{t.Port}"));
            return Reply.Failure(ErrorCodes.BadRequest, $"unknown peer '{ControlDispatcher.Truncate(arguments.Source!.ToString())}': {known}");
        }

        await _one.WaitAsync(cancellationToken);
        try
        {
            var fetched = await fetcher.FetchAsync(targets, arguments.Newest ? null : arguments.File,
                (bytes, total) => call.Output.Event(ProgressEvent.Fetch(bytes, total)), cancellationToken);
            var manifest = fetched.Manifest;
            return Reply.Success(new FetchResult
            {
                Path = fetched.Path, SizeBytes = manifest.SizeBytes, Sha256 = manifest.Sha256, Revision = manifest.Revision, CreatedAt = manifest.CreatedAt,
                Peer = $"{fetched.From.Host}:{fetched.From.Port}", PeerDirectory = fetched.From.Directory, AlreadyHere = fetched.AlreadyHere,
            }, ProtocolJsonContext.Default.FetchResult);
        }
        catch (FetchException e)
        {
            return Reply.Failure(Code(e.Failure), e.Message);
        }
        finally
        {
            _one.Release();
        }
    }

    private async Task<Reply> FromOffsiteAsync(FetchRequest arguments, FetchSource source, ControlCall call, CancellationToken cancellationToken)
    {
        var targets = OffsiteScopes.Select(offsite.Current, source.Target, out var problem);
        if (problem is not null)
        {
            return Reply.Failure(ErrorCodes.BadRequest, problem);
        }

        await _one.WaitAsync(cancellationToken);
        try
        {
            var fetched = await offsiteFetcher.FetchAsync(targets, arguments.Newest ? null : arguments.File,
                (bytes, total) => call.Output.Event(ProgressEvent.Fetch(bytes, total)), cancellationToken);
            return Reply.Success(Result(fetched), ProtocolJsonContext.Default.FetchResult);
        }
        catch (FetchException e)
        {
            return Reply.Failure(Code(e.Failure), e.Message);
        }
        finally
        {
            _one.Release();
        }
    }

    public static FetchResult Result(OffsiteFetched fetched) => new()
    {
        Path = fetched.Path, SizeBytes = fetched.Manifest.SizeBytes, Sha256 = fetched.Manifest.Sha256, Revision = fetched.Manifest.Revision,
        CreatedAt = fetched.Manifest.CreatedAt, Offsite = fetched.Source, AlreadyHere = fetched.AlreadyHere,
    };

    public void Dispose() => _one.Dispose();

    private static string? Problem(FetchRequest arguments) =>
        (arguments.File, arguments.Newest) switch
        {
            (null, false) => "fetch needs \"file\" (a snapshot name) or \"newest\": true",
            (not null, true) => "fetch takes \"file\" or \"newest\", not both",
            ({ } file, _) when Path.GetFileName(file) != file || !SnapshotFileName.TryParse(file, out _, out _, out _) =>
                $"'{ControlDispatcher.Truncate(file)}' is not a snapshot name (etcd-snapshot-<time>-<member>-r<revision>.db, no directory)",
            _ when arguments.Source is { Kind: FetchSourceKind.Peer, Host: null or "" } => "a \"source\" of kind \"peer\" needs \"host\"",
            _ => null,
        };

    /// <summary>Every target, or those of the source's host (and port, when given), in <c>Peers.Targets</c> order.</summary>
    private List<PeerTarget> Targets(FetchSource? source) =>
        [.. peers.Current.Targets.Where(t => source is null
            || (string.Equals(t.Host, source.Host, StringComparison.OrdinalIgnoreCase) && (source.Port is null || source.Port == t.Port)))];

    public static string Code(FetchFailure failure) => failure switch
    {
        FetchFailure.NotFound => ErrorCodes.NotFound,
        FetchFailure.HostKeyRefused => ErrorCodes.HostKeyRefused,
        FetchFailure.Invalid => ErrorCodes.InvalidSnapshot,
        FetchFailure.Exists => ErrorCodes.Exists,
        FetchFailure.NoSpace => ErrorCodes.InsufficientSpace,
        FetchFailure.OtherCluster => ErrorCodes.OtherCluster,
        _ => ErrorCodes.Failed,
    };
}
