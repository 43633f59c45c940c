using EtcdBackupd.FileSystem;
namespace EtcdBackupd.Control.Handlers;

/// <summary><c>list</c>: our snapshots, newest first, with what is known of their integrity. Root and <c>Control.Group</c>.</summary>
internal sealed class ListHandler(SnapshotDirectory directory, SnapshotVerifier verifier) : ControlHandler<ListRequest>(ProtocolJsonContext.Default.ListRequest)
{
    public override string Name => ListRequest.Name;

    protected override Task<Reply> RunAsync(ListRequest arguments, ControlCall call, CancellationToken cancellationToken)
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
        return Task.FromResult(Reply.Success(entries, ProtocolJsonContext.Default.IReadOnlyListListEntry));
    }
}
