using EtcdBackupd.Hosting;

namespace EtcdBackupd.Preflight;

/// <summary>
/// Every check after the configuration's, in the order a snapshot and its copies need them: TLS, etcd,
/// the snapshot directory, each peer, each off-site target, the restore. A failed check does not stop the others: an operator
/// fixing a new master wants every problem at once.
/// </summary>
internal static class PreflightRun
{
    public static async Task<CheckResult> RunAsync(CheckLine configuration, DaemonConfiguration daemon, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        var lines = new List<CheckLine> { configuration, TlsCheck.Run(daemon.Etcd, time) };
        var (etcd, dbSize) = await EtcdCheck.RunAsync(daemon.Etcd, logger, cancellationToken);
        lines.Add(etcd);
        lines.Add(DirectoryCheck.Run(daemon.Snapshots.Directory, dbSize));
        foreach (var target in daemon.Peers.Targets)
        {
            lines.Add(await PeerTargetCheck.RunAsync(target, daemon.Peers, dbSize, logger, cancellationToken));
        }

        foreach (var target in daemon.Offsite.Targets)
        {
            lines.Add(await OffsiteTargetCheck.RunAsync(target, daemon.Offsite, cancellationToken));
        }

        lines.Add(RestoreCheck.Run(daemon.Restore));
        return CheckResult.Of(lines);
    }
}
