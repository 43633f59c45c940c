namespace EtcdBackupd.Control.Handlers;

/// <summary><c>list</c>: our snapshots, newest first, with what is known of their integrity. Root and <c>Control.Group</c>.</summary>
internal sealed class ListHandler(SnapshotDirectory directory, SnapshotVerifier verifier) : ControlHandler<ListRequest>(ProtocolJsonContext.Default.ListRequest)
{
    public override string Name => ListRequest.Name;

    protected override Task<Reply> RunAsync(ListRequest arguments, ControlCall call, CancellationToken cancellationToken)
    {
        IReadOnlyList<ListEntry> entries =
        [
            .. directory.List().Select(entry => new ListEntry(
                entry.Path, entry.SizeBytes, SnapshotManifest.TryRead(entry.ManifestPath)?.Sha256, entry.Revision, entry.CreatedAt, entry.MemberName,
                verifier.Known(entry) switch { true => Verification.Ok, false => Verification.Corrupt, null => Verification.Unchecked })),
        ];
        return Task.FromResult(Reply.Success(entries, ProtocolJsonContext.Default.IReadOnlyListListEntry));
    }
}
