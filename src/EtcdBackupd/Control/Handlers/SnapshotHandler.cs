using EtcdBackupd.Service;

namespace EtcdBackupd.Control.Handlers;

/// <summary><c>snapshot</c>: a snapshot now, or the one running joined; progress every half second. Root and <c>Control.Group</c>.</summary>
internal sealed class SnapshotHandler(SnapshotCoordinator coordinator, DaemonState state, TimeProvider time)
    : ControlHandler<SnapshotRequest>(ProtocolJsonContext.Default.SnapshotRequest)
{
    public override string Name => SnapshotRequest.Name;

    protected override async Task<Reply> RunAsync(SnapshotRequest arguments, ControlCall call, CancellationToken cancellationToken)
    {
        var running = coordinator.RunAsync($"requested over the control socket by uid {call.Peer.Uid} pid {call.Peer.Pid}", cancellationToken);
        while (!running.IsCompleted)
        {
            await Task.WhenAny(running, Task.Delay(TimeSpan.FromMilliseconds(500), time, cancellationToken));
            var (received, total) = state.Progress;
            if (!running.IsCompleted)
            {
                call.Output.Event(ProgressEvent.Snapshot(received, total));
            }
        }

        var outcome = await running;
        return outcome.Succeeded
            ? Reply.Success(outcome.ToReport(), ProtocolJsonContext.Default.SnapshotReport)
            : Reply.Failure(ErrorCodes.Failed, $"{outcome.Error!.Failure}: {outcome.Error.Message}");
    }
}
