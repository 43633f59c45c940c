using EtcdBackupd.Configuration;
using EtcdBackupd.FileSystem;
using EtcdBackupd.Offsite;

namespace EtcdBackupd.Control.Handlers;

/// <summary>
/// <c>list</c>: our snapshots, newest first, with what is known of their integrity; with <c>offsite</c>, what
/// lies under each off-site target's prefix instead. Root and <c>Control.Group</c>.
/// </summary>
internal sealed class ListHandler(SnapshotDirectory directory, SnapshotVerifier verifier, OffsiteInventory inventory, Live<OffsiteOptions> offsite)
    : ControlHandler<ListRequest>(ProtocolJsonContext.Default.ListRequest)
{
    public override string Name => ListRequest.Name;

    protected override async Task<Reply> RunAsync(ListRequest arguments, ControlCall call, CancellationToken cancellationToken)
    {
        if (arguments.Offsite is not { } scope)
        {
            return Local();
        }

        var targets = OffsiteScopes.Select(offsite.Current, scope.Target, out var problem);
        return problem is not null
            ? Reply.Failure(ErrorCodes.BadRequest, problem)
            : Reply.Success(await inventory.ListAsync(targets, cancellationToken), ProtocolJsonContext.Default.OffsiteListResult);
    }

    private Reply Local()
    {
        IReadOnlyList<ListEntry> entries =
        [
            .. directory.List().Select(entry => (Entry: entry, Manifest: ManifestFile.TryRead(entry.ManifestPath))).Select(e => new ListEntry(
                e.Entry.Path, e.Entry.SizeBytes, e.Manifest?.Sha256, e.Entry.Revision, e.Entry.CreatedAt, e.Entry.MemberName,
                verifier.Known(e.Entry) switch { true => Verification.Ok, false => Verification.Corrupt, null => Verification.Unchecked })
            {
                Pin = e.Manifest?.Pin,
            })
            .Concat(directory.LeftAlone().Select(e => new ListEntry(e.Entry.Path, 0, null, e.Entry.Revision, e.Entry.CreatedAt, e.Entry.MemberName, Verification.Skipped)
            {
                Note = $"not a regular file ({FileKinds.Describe(e.Kind)}), left alone",
            }))
            .OrderByDescending(e => e.CreatedAt),
        ];
        return Reply.Success(entries, ProtocolJsonContext.Default.IReadOnlyListListEntry);
    }
}
