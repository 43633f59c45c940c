using EtcdBackupd.Peers;

namespace EtcdBackupd.Restore;

/// <summary>
/// A cluster restore's second push: this master's verified copy to the peers whose copy failed the
/// check though their manifest matched (the pusher would otherwise skip them as identical).
/// </summary>
internal sealed class PeerRepush(PeersOptions peers, TimeProvider time, ILogger logger)
{
    /// <returns>Why a copy could not be replaced, or null when every one was.</returns>
    public async Task<string?> ReplaceAsync(SnapshotResult snapshot, IReadOnlyList<PeerTarget> targets, Action<string, string> progress, CancellationToken cancellationToken)
    {
        var results = await new PeerPusher(peers, time, logger).ReplaceAsync(snapshot, targets, cancellationToken);
        foreach (var (target, result) in targets.Zip(results).Where(p => p.Second.Ok))
        {
            progress(target.ToString(), "received this master's copy again");
        }

        var failed = results.Where(r => !r.Ok).Select(r => $"{r.Host}:{r.Port}: {r.Error}").ToList();
        return failed.Count == 0 ? null : "could not push this master's copy again: " + string.Join("; ", failed);
    }
}
