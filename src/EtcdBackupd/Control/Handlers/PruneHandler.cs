using EtcdBackupd.Retention;

namespace EtcdBackupd.Control.Handlers;

/// <summary><c>prune</c>: the retention rule now. A dry run for <c>Control.Group</c>; deleting needs root.</summary>
internal sealed class PruneHandler(RetentionService retention) : ControlHandler<PruneRequest>(ProtocolJsonContext.Default.PruneRequest)
{
    public override string Name => PruneRequest.Name;

    public override string GroupUse => "prune --dry-run";

    protected override bool NeedsRoot(PruneRequest arguments) => !arguments.DryRun;

    protected override Task<Reply> RunAsync(PruneRequest arguments, ControlCall call, CancellationToken cancellationToken)
    {
        if (retention.PausedBy is { } restore)
        {
            return Task.FromResult(Reply.Failure(ErrorCodes.Failed,
                $"retention does not run while {restore} is open on this member, so the snapshot being restored stays; nothing was deleted"));
        }

        IReadOnlyList<PrunedSnapshot> deleted = [.. retention.Prune(arguments.DryRun, cancellationToken).Select(d => new PrunedSnapshot(d.Snapshot.Path, d.Reason))];
        return Task.FromResult(Reply.Success(new PruneResult(arguments.DryRun, deleted), ProtocolJsonContext.Default.PruneResult));
    }
}
