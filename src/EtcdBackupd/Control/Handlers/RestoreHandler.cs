using EtcdBackupd.Restore;

namespace EtcdBackupd.Control.Handlers;

/// <summary>
/// <c>restore</c> (root only): this member, or with <c>cluster</c> every member, from a snapshot in
/// the directory; a dry run prints the plan. Progress events name each step (and member).
/// </summary>
internal sealed class RestoreHandler(SnapshotPaths paths, MemberPhases phases, LocalRestore restore, ClusterRestore cluster, LineageCheck lineage, TimeProvider time)
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

        if (!arguments.DryRun && !arguments.Yes)
        {
            return Reply.Failure(ErrorCodes.BadRequest, arguments.Cluster
                ? "a cluster restore stops the API servers and etcd on every master and replaces their data: confirm with \"yes\": true (etcd-backupctl restore FILE --cluster --yes)"
                : "a restore stops the API servers and etcd on this member and replaces its data: confirm with \"yes\": true (etcd-backupctl restore FILE --yes)");
        }

        var started = time.GetTimestamp();
        void Progress(string? member, string step) => call.Output.Event(ProgressEvent.Restore(step, time.GetElapsedTime(started).TotalSeconds, member));
        if (arguments.Cluster)
        {
            return await cluster.RunAsync(path, arguments.DryRun, arguments.OtherCluster, Progress, cancellationToken);
        }

        var plan = phases.Plan(path);
        var manifest = ManifestFile.TryRead(SnapshotFileName.ManifestOf(path));
        if (arguments.DryRun)
        {
            return Reply.Success(plan with { Cluster = await lineage.CheckAsync(path, manifest, arguments.OtherCluster, cancellationToken) },
                ProtocolJsonContext.Default.RestorePlan);
        }

        if (await lineage.RefuseAsync(path, manifest, arguments.OtherCluster, warning => Progress(null, warning), cancellationToken) is { } refused)
        {
            return refused;
        }

        var report = await restore.RunExclusiveAsync(path, step => Progress(null, step), cancellationToken);
        if (report.Ok)
        {
            // The restored member may form a cluster with a new ID (a new token, or other URLs): it joins the lineage.
            await lineage.RecordLiveAsync(cancellationToken);
        }

        var result = new LocalRestoreResult
        {
            Snapshot = plan.Snapshot, Command = plan.Command, Parameters = plan.Parameters, Problems = plan.Problems, Tool = plan.Tool,
            Steps = report.Steps, OldDataDir = report.OldDataDir,
        };
        return report.Ok
            ? Reply.Success(result, ProtocolJsonContext.Default.LocalRestoreResult)
            : Reply.Failure(ErrorCodes.Failed, $"restore failed at '{report.FailedStep}': {report.Error}; steps: {string.Join("; ", report.Steps)}");
    }
}
