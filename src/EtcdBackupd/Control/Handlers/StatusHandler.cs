namespace EtcdBackupd.Control.Handlers;

/// <summary><c>status</c>: is my cluster backed up? Root and <c>Control.Group</c>.</summary>
internal sealed class StatusHandler(StatusReport report) : ControlHandler<StatusRequest>(ProtocolJsonContext.Default.StatusRequest)
{
    public override string Name => StatusRequest.Name;

    protected override async Task<Reply> RunAsync(StatusRequest arguments, ControlCall call, CancellationToken cancellationToken) =>
        Reply.Success(await report.BuildAsync(cancellationToken), ProtocolJsonContext.Default.StatusResult);
}
