using EtcdBackupd.Configuration;
using EtcdBackupd.Import;
using EtcdBackupd.Offsite;

namespace EtcdBackupd.Control.Handlers;

/// <summary>
/// <c>verify</c>: the whole file against etcd's trailer and its manifest. Root and <c>Control.Group</c>; with
/// <c>offsite</c>, root only. A
/// file sent with the request (any path the caller can read) is read through its descriptor; without a
/// manifest, etcd's own tool vouches for it. With <c>offsite</c>, the snapshot's objects in the off-site targets are re-read instead.
/// </summary>
internal sealed class VerifyHandler(SnapshotPaths paths, SnapshotVerifier verifier, SnapshotImporter importer, OffsiteInventory inventory, Live<OffsiteOptions> offsite)
    : ControlHandler<VerifyRequest>(ProtocolJsonContext.Default.VerifyRequest), IDisposable
{
    /// <summary>Each uid's turn but root's; a handful at most (the members of Control.Group), kept for the daemon's life.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, SemaphoreSlim> _turns = new();

    public void Dispose()
    {
        foreach (var turn in _turns.Values)
        {
            turn.Dispose();
        }
    }

    public override string Name => VerifyRequest.Name;

    public override string GroupUse => "verify without --offsite";

    /// <summary>
    /// Re-reading every off-site copy costs the bucket's egress and a link's bandwidth for as long as the objects
    /// take: a member of <c>Control.Group</c> could ask for it in a loop. <c>list --offsite</c> stays open to it.
    /// </summary>
    protected override bool NeedsRoot(VerifyRequest arguments) => arguments.Offsite is not null;

    protected override bool ClaimsDescriptor(VerifyRequest arguments) => arguments.Descriptor is not null;

    protected override async Task<Reply> RunAsync(VerifyRequest arguments, ControlCall call, CancellationToken cancellationToken)
    {
        // Verify changes nothing: a caller that left takes its read with it (a sparse terabyte sent by a member of
        // Control.Group would otherwise hold a core, and the caller's connection slot, until it was hashed through).
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, call.CallerGone);
        SemaphoreSlim? holding = null;
        try
        {
            if (!call.Peer.IsRoot)
            {
                // One at a time per uid but root's: each verify hashes a whole file on a core, and a member holding
                // Control.ConnectionsPerUser connections could otherwise keep that many busy beside etcd. Per uid, so
                // one member's files never hold up another's (a monitoring account's) verify.
                var turn = _turns.GetOrAdd(call.Peer.Uid, _ => new SemaphoreSlim(1, 1));
                await turn.WaitAsync(either.Token);
                holding = turn;
            }

            return await RunOnceAsync(arguments, call, either.Token);
        }
        catch (OperationCanceledException) when (call.CallerGone.IsCancellationRequested)
        {
            return Reply.Failure(ErrorCodes.Failed, "the caller closed the connection; the verify was stopped");
        }
        finally
        {
            holding?.Release();
        }
    }

    private Task<Reply> RunOnceAsync(VerifyRequest arguments, ControlCall call, CancellationToken cancellationToken)
    {
        if (arguments.Offsite is { } scope)
        {
            return VerifyOffsiteAsync(arguments.File, scope, cancellationToken);
        }

        // A path in the directory is read there, as it always was; the file sent with it is not needed.
        if (arguments.Descriptor is { } sent && !paths.IsPresent(arguments.File))
        {
            return VerifySentAsync(arguments.File, sent, call, cancellationToken);
        }

        if (paths.Resolve(arguments.File) is not { } path)
        {
            return Task.FromResult(Reply.Failure(ErrorCodes.BadRequest, paths.NotASnapshot(Name, arguments.File)));
        }

        return Task.Run(() => Verify(path, cancellationToken), cancellationToken);
    }

    /// <summary>Each target's verdict in a successful answer: the CLI exits 1 unless every one is ok.</summary>
    private async Task<Reply> VerifyOffsiteAsync(string name, OffsiteScope scope, CancellationToken cancellationToken)
    {
        if (Path.GetFileName(name) != name || !SnapshotFileName.TryParse(name, out _, out _, out _))
        {
            return Reply.Failure(ErrorCodes.BadRequest, $"verify --offsite takes a snapshot name (etcd-snapshot-<time>-<member>-r<revision>.db, no directory), not '{ControlDispatcher.Truncate(name)}'");
        }

        var targets = OffsiteScopes.Select(offsite.Current, scope.Target, out var problem);
        if (problem is not null)
        {
            return Reply.Failure(ErrorCodes.BadRequest, problem);
        }

        var result = await inventory.VerifyAsync(targets, name, cancellationToken);
        return Reply.Success(result, ProtocolJsonContext.Default.OffsiteVerifyResult);
    }

    private async Task<Reply> VerifySentAsync(string origin, SentDescriptor sent, ControlCall call, CancellationToken cancellationToken)
    {
        try
        {
            var (read, facts) = await importer.CheckAsync(call.Descriptor, origin, sent.Manifest, cancellationToken);
            return Reply.Success(new VerifyResult(origin, read.SizeBytes, read.Sha256, "ok", sent.Manifest is null ? "missing" : "ok") { Etcd = facts },
                ProtocolJsonContext.Default.VerifyResult);
        }
        catch (ImportException e)
        {
            return e.ToReply();
        }
    }

    private Reply Verify(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            return Reply.Failure(ErrorCodes.NotFound, $"'{path}' does not exist");
        }

        var (trailerOk, sha256) = verifier.Check(path, cancellationToken);
        var size = new FileInfo(path).Length;
        var manifest = ManifestFile.TryRead(SnapshotFileName.ManifestOf(path));
        var manifestState = manifest is null ? "missing" : manifest.Sha256 == sha256 && manifest.SizeBytes == size ? "ok" : "mismatch";
        if (!trailerOk || manifestState == "mismatch")
        {
            return Reply.Failure(ErrorCodes.InvalidSnapshot, $"'{path}': " + (trailerOk ? "" : "etcd's SHA-256 trailer does not match the data; ")
                + (manifestState == "mismatch" ? "the file differs from its manifest" : "").TrimEnd(' ', ';'));
        }

        return Reply.Success(new VerifyResult(path, size, sha256, "ok", manifestState), ProtocolJsonContext.Default.VerifyResult);
    }
}
