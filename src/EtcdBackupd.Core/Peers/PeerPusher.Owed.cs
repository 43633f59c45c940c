using EtcdBackupd.Snapshots;
using EtcdBackupd.State;

namespace EtcdBackupd.Peers;

/// <summary>
/// Sends a peer did not take, kept in the copy ledger (<see cref="OwedSend"/>) and made again until they succeed:
/// a pin's manifest must reach a peer that was down, or remote retention there may prune the pinned copy, and
/// an imported snapshot (the only copy of a pre-upgrade state) must not stay in one place.
/// </summary>
internal sealed partial class PeerPusher
{
    /// <summary>As <see cref="PushAsync(SnapshotResult, CancellationToken)"/>; a target that does not take the copy is owed it.</summary>
    public async Task<IReadOnlyList<PeerPushResult>> PushOwingAsync(SnapshotResult snapshot, CancellationToken cancellationToken)
    {
        var targets = options.Targets;
        var results = await PushAsync(targets, snapshot, replace: false, cancellationToken);
        Owe(targets, results, snapshot.Path, OwedKind.Copy);
        return results;
    }

    /// <summary>Each owed send tried once; a peer that fails one is left for the next round, its other sends untried.</summary>
    public async Task PayOwedAsync(string snapshotDirectory, CancellationToken cancellationToken)
    {
        if (Ledger is null)
        {
            return;
        }

        try
        {
            foreach (var peer in Ledger.Owed().GroupBy(o => (o.Peer, o.Directory)))
            {
                var target = options.Targets.FirstOrDefault(t => CopyLedger.PeerKey(t.Host, t.Port) == peer.Key.Peer && t.Directory == peer.Key.Directory);
                foreach (var send in peer.OrderBy(o => o.Kind).ThenBy(o => o.Since))
                {
                    if (!await PayAsync(target, send, Path.Combine(snapshotDirectory, send.Snapshot), cancellationToken))
                    {
                        break;
                    }
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            StateLog.CopyLedgerFailed(logger, CopyLedger.FileName, e.Message);
        }
    }

    /// <summary>True when the send is settled (made, or with nothing left to make); false when the peer failed it again.</summary>
    private async Task<bool> PayAsync(PeerTarget? target, OwedSend send, string local, CancellationToken cancellationToken)
    {
        var manifest = ManifestFile.TryRead(SnapshotFileName.ManifestOf(local));
        var gone = target is null ? "the peer is no longer in Peers.Targets"
            : !File.Exists(local) || manifest is null ? "the snapshot or its manifest is no longer on this master"
            : null;
        if (gone is not null)
        {
            PeersLog.OwedDropped(logger, send.Kind, local, send.Peer, gone);
            Ledger!.Settle(send);
            return true;
        }

        var result = send.Kind == OwedKind.Copy
            ? await PushOneAsync(target!, new SnapshotResult(local, manifest!), replace: false, cancellationToken)
            : await SendManifestAsync(target!, local, cancellationToken);
        if (!result.Ok)
        {
            Ledger!.Owe([send with { Tries = 1, LastAttemptAt = time.GetUtcNow(), LastError = result.Error }]);
            return false;
        }

        PeersLog.OwedPaid(logger, send.Kind, local, send.Peer, send.Since);
        Ledger!.Settle(send);
        if (send.Kind == OwedKind.Copy)
        {
            Record([result], local);
        }

        return true;
    }

    /// <summary>Owes each failed target the send and settles what a target took: the ledger keeps only what is still owed.</summary>
    private void Owe(IReadOnlyList<PeerTarget> targets, IReadOnlyList<PeerPushResult> results, string snapshotPath, OwedKind kind)
    {
        if (Ledger is null)
        {
            return;
        }

        try
        {
            var now = time.GetUtcNow();
            var owed = new List<OwedSend>();
            for (var i = 0; i < targets.Count; i++)
            {
                var send = new OwedSend
                {
                    Peer = CopyLedger.PeerKey(targets[i].Host, targets[i].Port), Directory = targets[i].Directory, Snapshot = Path.GetFileName(snapshotPath),
                    Kind = kind, Since = now, Tries = 1, LastAttemptAt = now, LastError = results[i].Error,
                };
                if (results[i].Ok)
                {
                    Ledger.Settle(send);
                }
                else
                {
                    PeersLog.Owed(logger, kind, snapshotPath, send.Peer, options.RetryInterval.TotalSeconds);
                    owed.Add(send);
                }
            }

            Ledger.Owe(owed);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            StateLog.CopyLedgerFailed(logger, CopyLedger.FileName, e.Message);
        }
    }
}
