using EtcdBackupd.Restore;

namespace EtcdBackupd.Control.Handlers;

/// <summary>
/// <c>restore-phase</c> (root only): one step of a cluster restore on this member, sent by its
/// coordinator; a restored cluster's new ID joins this master's lineage.
/// </summary>
internal sealed class RestorePhaseHandler(SnapshotPaths paths, MemberPhases phases, LineageCheck lineage)
    : ControlHandler<RestorePhaseRequest>(ProtocolJsonContext.Default.RestorePhaseRequest)
{
    public override string Name => RestorePhaseRequest.Name;

    public override string? GroupUse => null;

    protected override bool NeedsRoot(RestorePhaseRequest arguments) => true;

    protected override async Task<Reply> RunAsync(RestorePhaseRequest arguments, ControlCall call, CancellationToken cancellationToken) =>
        lineage.Restored(await phases.RunAsync(paths.Resolve(arguments.File), arguments, cancellationToken)).ToReply();
}
