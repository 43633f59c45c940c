using EtcdBackupd.Restore;

namespace EtcdBackupd.Control.Handlers;

/// <summary>
/// <c>recover</c> (root only; <c>etcd-backupctl restore --recover SESSION</c>): ends a cluster restore
/// whose coordinator is gone on every member, restored everywhere or rolled back everywhere.
/// </summary>
internal sealed class RecoverHandler(ClusterRestore cluster, TimeProvider time) : ControlHandler<RecoverRequest>(ProtocolJsonContext.Default.RecoverRequest)
{
    public override string Name => RecoverRequest.Name;

    public override string? GroupUse => null;

    protected override bool NeedsRoot(RecoverRequest arguments) => true;

    protected override async Task<Reply> RunAsync(RecoverRequest arguments, ControlCall call, CancellationToken cancellationToken)
    {
        if (!SessionIds.IsValid(arguments.Session))
        {
            return Reply.Failure(ErrorCodes.BadRequest, "recover needs a \"session\" as a cluster restore printed it: 1 to 64 letters, digits, '.', '_' or '-'");
        }

        if (!arguments.DryRun && !arguments.Yes)
        {
            return Reply.Failure(ErrorCodes.BadRequest,
                "a recovery finishes or rolls back a cluster restore on every master: see its decision with \"dryRun\": true, confirm with \"yes\": true "
                + $"(etcd-backupctl restore --recover {arguments.Session} --dry-run, then --yes)");
        }

        var started = time.GetTimestamp();
        void Progress(string? member, string step) => call.Output.Event(ProgressEvent.Restore(step, time.GetElapsedTime(started).TotalSeconds, member));
        return await cluster.RecoverAsync(arguments.Session, arguments.DryRun, Progress, cancellationToken);
    }
}
