using EtcdBackupd.Retention;

namespace EtcdBackupd.Control.Handlers;

/// <summary><c>pin</c>: retention keeps the snapshot whatever its age, here and on the peers that hold it. Root only.</summary>
internal sealed class PinHandler(SnapshotPaths paths, SnapshotPins pins) : ControlHandler<PinRequest>(ProtocolJsonContext.Default.PinRequest)
{
    public override string Name => PinRequest.Name;

    public override string? GroupUse => null;

    protected override bool NeedsRoot(PinRequest arguments) => true;

    protected override Task<Reply> RunAsync(PinRequest arguments, ControlCall call, CancellationToken cancellationToken) =>
        PinReplies.RunAsync(paths, Name, arguments.File, arguments.Label, path => pins.PinAsync(path, arguments.Label, cancellationToken));
}

/// <summary><c>unpin</c>: retention treats the snapshot like any other again, here and on the peers. Root only.</summary>
internal sealed class UnpinHandler(SnapshotPaths paths, SnapshotPins pins) : ControlHandler<UnpinRequest>(ProtocolJsonContext.Default.UnpinRequest)
{
    public override string Name => UnpinRequest.Name;

    public override string? GroupUse => null;

    protected override bool NeedsRoot(UnpinRequest arguments) => true;

    protected override Task<Reply> RunAsync(UnpinRequest arguments, ControlCall call, CancellationToken cancellationToken) =>
        PinReplies.RunAsync(paths, Name, arguments.File, null, path => pins.UnpinAsync(path, cancellationToken));
}

/// <summary>The checks and answers <c>pin</c> and <c>unpin</c> share.</summary>
internal static class PinReplies
{
    /// <summary><paramref name="label"/> is checked when not null (a pin); the file must be one of our names.</summary>
    public static async Task<Reply> RunAsync(SnapshotPaths paths, string command, string file, string? label, Func<string, Task<PinResult>> change)
    {
        if (paths.Resolve(file) is not { } path)
        {
            return Reply.Failure(ErrorCodes.BadRequest, paths.NotASnapshot(command, file));
        }

        if (label is not null && PinLabel.Problem(label) is { } problem)
        {
            return Reply.Failure(ErrorCodes.BadRequest, $"{command}: {problem}");
        }

        try
        {
            return Reply.Success(await change(path), ProtocolJsonContext.Default.PinResult);
        }
        catch (PinRefusedException e)
        {
            return Reply.Failure(e.Code, e.Message);
        }
    }
}
