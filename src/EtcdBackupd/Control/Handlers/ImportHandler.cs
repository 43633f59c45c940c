using EtcdBackupd.Import;
using EtcdBackupd.Peers;
using EtcdBackupd.Retention;

namespace EtcdBackupd.Control.Handlers;

/// <summary><c>import</c> (root only): the file sent with the request becomes one of the directory's snapshots, then goes to the peers.</summary>
internal sealed class ImportHandler(SnapshotImporter importer, PeerPusher peers, SnapshotPins pins, RetentionService retention, TimeProvider time, ILogger<ImportHandler> logger)
    : ControlHandler<ImportRequest>(ProtocolJsonContext.Default.ImportRequest)
{
    public override string Name => ImportRequest.Name;

    public override string? GroupUse => null;

    protected override bool NeedsRoot(ImportRequest arguments) => true;

    protected override bool ClaimsDescriptor(ImportRequest arguments) => true;

    protected override async Task<Reply> RunAsync(ImportRequest arguments, ControlCall call, CancellationToken cancellationToken)
    {
        if (arguments.Pin is not null && PinLabel.Problem(arguments.Pin) is { } wrong)
        {
            return Reply.Failure(ErrorCodes.BadRequest, wrong);
        }

        try
        {
            var pin = arguments.Pin is null ? null : new SnapshotPin(arguments.Pin, time.GetUtcNow());
            var result = await importer.ImportAsync(call.Descriptor, arguments.File, arguments.Descriptor.Manifest, pin, cancellationToken);
            if (pin is not null && result.AlreadyHere && result.Pin?.Label != pin.Label)
            {
                // The copy here was kept with its own manifest: the pin asked for goes on it as `pin` would put it.
                result = result with { Pin = (await pins.PinAsync(result.Path, pin.Label, cancellationToken)).Pin };
            }

            // An old snapshot brought in to be kept would be gone within the hour, here and on the peers: said now, not after.
            if (retention.WouldRemove(result.Path, cancellationToken))
            {
                ImportLog.PastRetention(logger, result.Path);
                result = result with { RetentionRemoves = true };
            }

            // Like any snapshot, to the peers: an imported one is often the only copy of a state (before an upgrade).
            var manifest = ManifestFile.TryRead(SnapshotFileName.ManifestOf(result.Path));
            var copies = manifest is null ? [] : await peers.PushOwingAsync(new SnapshotResult(result.Path, manifest), cancellationToken);
            return Reply.Success(result with { Peers = [.. copies.Select(c => c.ToCopy())] }, ProtocolJsonContext.Default.ImportResult);
        }
        catch (ImportException e)
        {
            return e.ToReply();
        }
        catch (PinRefusedException e)
        {
            return Reply.Failure(e.Code, e.Message);
        }
    }
}
