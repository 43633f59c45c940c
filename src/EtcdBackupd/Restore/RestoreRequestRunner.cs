namespace EtcdBackupd.Restore;

/// <summary>
/// A <c>restore</c> of a snapshot already resolved to its path: a dry run's plan, this member's restore,
/// or the whole cluster's. The daemon's control command and the one-shot <c>etcd-backupd restore</c>
/// both come here, so a restore without the daemon is the same restore, with the same checks.
/// </summary>
internal sealed class RestoreRequestRunner(MemberPhases phases, LocalRestore restore, ClusterRestore cluster, LineageCheck lineage)
{
    /// <summary>The refusal when neither <c>dryRun</c> nor <c>yes</c> was given, or null; <paramref name="confirm"/> says how, for a cluster restore or not.</summary>
    public static string? Unconfirmed(RestoreRequest request, Func<bool, string> confirm) => request.DryRun || request.Yes ? null
        : request.Cluster
            ? $"a cluster restore stops the API servers and etcd on every master and replaces their data: confirm with {confirm(true)}"
            : $"a restore stops the API servers and etcd on this member and replaces its data: confirm with {confirm(false)}";

    /// <summary>
    /// Runs <paramref name="request"/> on <paramref name="path"/>; <paramref name="progress"/> hears each step with the member it ran on
    /// (null: this one). <paramref name="sent"/>: a file the caller sent (a dry run plans the path it would be imported as, which does
    /// not exist yet: what was sent stands for its manifest, so the dry run judges as the real restore will).
    /// </summary>
    public async Task<Reply> RunAsync(
        string path, RestoreRequest request, Action<string?, string> progress, CancellationToken cancellationToken, SentFile? sent = null)
    {
        if (request.Cluster)
        {
            return await cluster.RunAsync(path, request.DryRun, request.OtherCluster, progress, cancellationToken, request.DryRun ? sent : null);
        }

        var manifest = ManifestFile.TryRead(SnapshotFileName.ManifestOf(path)) ?? sent?.Manifest;
        var plan = phases.Plan(path, snapshotVersion: manifest?.EtcdVersion ?? sent?.Facts?.Version) with { WithoutManifest = sent?.Facts };
        if (request.DryRun)
        {
            if (sent is null && !File.Exists(path))
            {
                plan = plan with { Problems = [.. plan.Problems, $"'{path}' does not exist: a restore of it would stop at once"] };
            }

            return Reply.Success(plan with { Cluster = await lineage.CheckAsync(path, manifest, request.OtherCluster, cancellationToken) },
                ProtocolJsonContext.Default.RestorePlan);
        }

        if (await lineage.RefuseAsync(path, manifest, request.OtherCluster, warning => progress(null, warning), cancellationToken) is { } refused)
        {
            return refused;
        }

        var report = await restore.RunExclusiveAsync(path, step => progress(null, step), cancellationToken);
        if (report.Ok)
        {
            // The restored member may form a cluster with a new ID (a new token, or other URLs): it joins the lineage.
            await lineage.RecordLiveAsync(cancellationToken);
        }

        var result = new LocalRestoreResult
        {
            Snapshot = plan.Snapshot, Command = plan.Command, Parameters = plan.Parameters, Problems = plan.Problems, Tool = plan.Tool,
            Steps = report.Steps, OldDataDir = report.OldDataDir, OldWalDir = report.OldWalDir,
        };
        return report.Ok
            ? Reply.Success(result, ProtocolJsonContext.Default.LocalRestoreResult)
            : Reply.Failure(ErrorCodes.Failed, $"restore failed at '{report.FailedStep}': {report.Error}; steps: {string.Join("; ", report.Steps)}");
    }
}
