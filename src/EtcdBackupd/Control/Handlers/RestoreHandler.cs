using EtcdBackupd.Import;
using EtcdBackupd.Restore;

namespace EtcdBackupd.Control.Handlers;

/// <summary>
/// <c>restore</c> (root only): this member, or with <c>cluster</c> every member, from a snapshot in
/// the directory; a dry run prints the plan. Progress events name each step (and member).
/// </summary>
internal sealed class RestoreHandler(SnapshotPaths paths, RestoreRequestRunner runner, SnapshotImporter importer, TimeProvider time)
    : ControlHandler<RestoreRequest>(ProtocolJsonContext.Default.RestoreRequest)
{
    public override string Name => RestoreRequest.Name;

    protected override bool ClaimsDescriptor(RestoreRequest arguments) => arguments.Descriptor is not null;

    public override string? GroupUse => null;

    protected override bool NeedsRoot(RestoreRequest arguments) => true;

    protected override async Task<Reply> RunAsync(RestoreRequest arguments, ControlCall call, CancellationToken cancellationToken)
    {
        if (RestoreRequestRunner.Unconfirmed(arguments,
            cluster => $"\"yes\": true (etcd-backupctl restore FILE {(cluster ? "--cluster " : "")}--yes)") is { } unconfirmed)
        {
            return Reply.Failure(ErrorCodes.BadRequest, unconfirmed);
        }

        var started = time.GetTimestamp();
        void Progress(string? member, string step) => call.Output.Event(ProgressEvent.Restore(step, time.GetElapsedTime(started).TotalSeconds, member));
        SnapshotFacts? facts = null;
        string? sha256 = null;
        string path;
        // A path in the directory is restored from there, as it always was; the file sent with it is not needed.
        if (arguments.Descriptor is { } sent && !paths.IsPresent(arguments.File))
        {
            try
            {
                (path, sha256, facts) = await FromSentAsync(arguments, sent, call, Progress, cancellationToken);
            }
            catch (ImportException e)
            {
                return e.ToReply();
            }
        }
        else if (paths.Resolve(arguments.File) is not { } named)
        {
            return Reply.Failure(ErrorCodes.BadRequest, paths.NotASnapshot(Name, arguments.File));
        }
        else
        {
            path = named;
        }

        return await runner.RunAsync(path, arguments, Progress, cancellationToken, sha256 is null ? null : (sha256, facts));
    }

    /// <summary>
    /// A file sent with the request: checked, and for a real restore imported first (so every member of a
    /// cluster restore gets it under the same name, with a manifest); a dry run only says where it would go.
    /// </summary>
    private async Task<(string Path, string Sha256, SnapshotFacts? Facts)> FromSentAsync(
        RestoreRequest arguments, SentDescriptor sent, ControlCall call, Action<string?, string> progress, CancellationToken cancellationToken)
    {
        if (arguments.DryRun)
        {
            var (read, facts) = await importer.CheckAsync(call.Descriptor, arguments.File, sent.Manifest, cancellationToken);
            var planned = importer.PlannedPath(read, sent.Manifest, facts);
            progress(null, $"'{arguments.File}' checked (etcd's trailer{(sent.Manifest is null ? "" : ", its manifest")}); a restore imports it first as {planned}");
            if (facts is not null)
            {
                progress(null, Stands(facts));
            }

            return (planned, read.Sha256, facts);
        }

        var imported = await importer.ImportAsync(call.Descriptor, arguments.File, sent.Manifest, null, cancellationToken);
        progress(null, imported.AlreadyHere ? $"'{arguments.File}' is {imported.Path} already" : $"imported '{arguments.File}' as {imported.Path}");
        if (imported.Etcd is { } said)
        {
            progress(null, Stands(said));
        }

        return (imported.Path, imported.Sha256, imported.Etcd);
    }

    private static string Stands(SnapshotFacts facts) =>
        $"no manifest: {facts.Tool} snapshot status stands in for it (hash {facts.Hash}, revision {facts.Revision}, {facts.TotalKeys} keys, {facts.TotalSizeBytes} bytes"
        + (facts.Version is null ? ")" : $", etcd {facts.Version})");
}
