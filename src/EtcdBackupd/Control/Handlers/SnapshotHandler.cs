using EtcdBackupd.FileSystem;
using EtcdBackupd.Etcd;
using EtcdBackupd.Retention;
using EtcdBackupd.Service;
using Grpc.Core;

namespace EtcdBackupd.Control.Handlers;

/// <summary>
/// <c>snapshot</c>: a snapshot now, or the one running joined; progress every half second. A snapshot
/// that began before the request is never its answer: it may lack writes etcd acknowledged before the
/// caller asked, so the request waits for it to end and then decides (most often: unchanged, or a new
/// one). Root and
/// <c>Control.Group</c>, within the rules that keep ad-hoc snapshots from filling the disk
/// (<see cref="AdHocSnapshots"/>). With <c>pin</c> (root only), the snapshot it answers with is pinned
/// (<see cref="SnapshotPins"/>): a new one, or the newest when etcd has not changed.
/// </summary>
internal sealed class SnapshotHandler(
    SnapshotCoordinator coordinator, DaemonState state, EtcdOptions etcd, SnapshotOptions snapshots, ControlOptions control, SnapshotPins pins,
    ControlJournalBudget journal, TimeProvider time, ILogger<SnapshotHandler> logger)
    : ControlHandler<SnapshotRequest>(ProtocolJsonContext.Default.SnapshotRequest)
{
    private static readonly TimeSpan EtcdAnswerTime = TimeSpan.FromSeconds(2);
    private readonly Lock _lock = new();
    private DateTimeOffset? _lastNonRootNew;

    public override string Name => SnapshotRequest.Name;

    public override string GroupUse => "snapshot without --pin";

    protected override bool NeedsRoot(SnapshotRequest arguments) => arguments.Pin is not null;

    protected override async Task<Reply> RunAsync(SnapshotRequest arguments, ControlCall call, CancellationToken cancellationToken)
    {
        if (arguments.Pin is { } label && PinLabel.Problem(label) is { } problem)
        {
            return Reply.Failure(ErrorCodes.BadRequest, $"{Name}: {problem}; no snapshot was taken");
        }

        if (coordinator.Running is { } earlier)
        {
            if (journal.Allows(call.Peer))
            {
                ControlLog.SnapshotWaitsForEarlier(logger, call.Peer.Uid);
            }

            await FollowAsync(earlier, call, cancellationToken);
        }

        var facts = await FactsAsync(call.Peer.IsRoot, cancellationToken);
        AdHocVerdict verdict;
        string? why;
        lock (_lock)
        {
            (verdict, why) = AdHocSnapshots.Decide(facts with { LastNonRootNew = _lastNonRootNew }, control.SnapshotInterval, snapshots.ReserveBytes);
            if (verdict == AdHocVerdict.Take && !call.Peer.IsRoot)
            {
                _lastNonRootNew = facts.Now;
            }
        }

        if ((verdict is AdHocVerdict.Unchanged or AdHocVerdict.TooSoon or AdHocVerdict.NoSpace) && journal.Allows(call.Peer))
        {
            ControlLog.SnapshotNotTaken(logger, call.Peer.Uid, why!);
        }

        switch (verdict)
        {
            case AdHocVerdict.Unchanged:
                return await AnswerAsync(state.LastSuccess!.ToReport() with { Unchanged = true }, arguments.Pin, cancellationToken);
            case AdHocVerdict.TooSoon:
                return Reply.Failure(ErrorCodes.RateLimited, why!);
            case AdHocVerdict.NoSpace:
                return Reply.Failure(ErrorCodes.InsufficientSpace, why!);
        }

        // Any run joined here began after the request arrived: one that began earlier was waited out above.
        var running = coordinator.RunAsync($"requested over the control socket by uid {call.Peer.Uid} pid {call.Peer.Pid}", cancellationToken);
        await FollowAsync(running, call, cancellationToken);
        var outcome = await running;
        return outcome.Succeeded
            ? await AnswerAsync(outcome.ToReport(), arguments.Pin, cancellationToken)
            : Reply.Failure(outcome.Error!.Failure == SnapshotFailure.Cancelled ? ErrorCodes.Stopping : ErrorCodes.Failed,
                outcome.Error.Failure == SnapshotFailure.Cancelled
                    ? $"the daemon is stopping; nothing was saved ({outcome.Error.Message})"
                    : $"{outcome.Error.Failure.Words()}: {outcome.Error.Message}");
    }

    /// <summary>The report, with the snapshot pinned first when the request asked for it.</summary>
    private async Task<Reply> AnswerAsync(SnapshotReport report, string? pin, CancellationToken cancellationToken)
    {
        if (pin is not null)
        {
            try
            {
                report = report with { Pinned = await pins.PinAsync(report.Path!, pin, cancellationToken) };
            }
            catch (PinRefusedException e)
            {
                return Reply.Failure(e.Code, $"{report.Path} was saved but not pinned: {e.Message}");
            }
        }

        return Reply.Success(report, ProtocolJsonContext.Default.SnapshotReport);
    }

    /// <summary>Until <paramref name="running"/> ends, whatever its outcome: a progress event every half second.</summary>
    private async Task FollowAsync(Task running, ControlCall call, CancellationToken cancellationToken)
    {
        while (!running.IsCompleted)
        {
            await Task.WhenAny(running, Task.Delay(TimeSpan.FromMilliseconds(500), time, cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
            var (received, total) = state.Progress;
            if (!running.IsCompleted)
            {
                call.Output.Event(state.UploadingTo is { } target ? ProgressEvent.Offsite(target, received, total) : ProgressEvent.Snapshot(received, total));
            }
        }
    }

    /// <summary>etcd's cluster, revision and size, and the directory's free space; each null when it cannot be read quickly.</summary>
    private async Task<AdHocFacts> FactsAsync(bool isRoot, CancellationToken cancellationToken)
    {
        var facts = new AdHocFacts(isRoot, state.Running, time.GetUtcNow(), null, state.LastSuccess?.Result, null, null, null, FreeSpace.Of(snapshots.Directory));
        if (facts.Running)
        {
            return facts;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(EtcdAnswerTime * 2);
        try
        {
            await using var connection = await EtcdConnection.ConnectAsync(etcd.WithDialTimeout(EtcdAnswerTime), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, timeout.Token);
            // A follower's own revision may lag the writes the cluster acknowledged: "unchanged" is judged on the
            // caught-up revision only, and never when the member cannot catch up.
            var behind = await connection.CatchUpAsync(EtcdAnswerTime, timeout.Token);
            var status = connection.Status;
            return facts with
            {
                ClusterId = status.Header.ClusterId.ToString("x"), Revision = behind is null ? status.Header.Revision : null, DbSizeBytes = status.DbSize,
            };
        }
        catch (Exception e) when (e is EtcdException or RpcException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // The snapshot will say what is wrong with etcd; the rules need its figures only to spare the disk.
            return facts;
        }
    }

}
