using EtcdBackupd.Restore;

namespace EtcdBackupd.Control.Handlers;

/// <summary>
/// <c>restore</c> (root only): this member, or with <c>cluster</c> every member, from a snapshot in
/// the directory; a dry run prints the plan. Progress events name each step (and member).
/// </summary>
internal sealed class RestoreHandler(SnapshotPaths paths, RestoreRequestRunner runner, TimeProvider time)
    : ControlHandler<RestoreRequest>(ProtocolJsonContext.Default.RestoreRequest)
{
    public override string Name => RestoreRequest.Name;

    public override string? GroupUse => null;

    protected override bool NeedsRoot(RestoreRequest arguments) => true;

    protected override async Task<Reply> RunAsync(RestoreRequest arguments, ControlCall call, CancellationToken cancellationToken)
    {
        if (paths.Resolve(arguments.File) is not { } path)
        {
            return Reply.Failure(ErrorCodes.BadRequest, paths.NotASnapshot(Name, arguments.File));
        }

        if (RestoreRequestRunner.Unconfirmed(arguments,
            cluster => $"\"yes\": true (etcd-backupctl restore FILE {(cluster ? "--cluster " : "")}--yes)") is { } unconfirmed)
        {
            return Reply.Failure(ErrorCodes.BadRequest, unconfirmed);
        }

        var started = time.GetTimestamp();
        return await runner.RunAsync(path, arguments,
            (member, step) => call.Output.Event(ProgressEvent.Restore(step, time.GetElapsedTime(started).TotalSeconds, member)), cancellationToken);
    }
}
