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
        SentFile? sentFile = null;
        string path;
        // A path in the directory is restored from there, as it always was; the file sent with it is not needed.
        if (arguments.Descriptor is { } sent && !paths.IsPresent(arguments.File))
        {
            try
            {
                (path, sentFile) = await SentRestore.PrepareAsync(importer, call.Descriptor, arguments.File, sent.Manifest, arguments.DryRun, Progress, cancellationToken);
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

        return await runner.RunAsync(path, arguments, Progress, cancellationToken, sentFile);
    }
}
