using EtcdBackupd.Offsite;
using EtcdBackupd.Protocol.Results;
using EtcdBackupd.Snapshots;

namespace EtcdBackupd.Fetch;

/// <summary>Which targets hold the snapshot wanted, from their catalogs (one listing and the manifests), before an object is read.</summary>
internal sealed partial class OffsiteFetcher
{
    private async Task<List<(OffsiteTarget Target, CatalogEntry Entry)>> HoldersAsync(
        IReadOnlyList<OffsiteTarget> targets, string? name, IReadOnlyList<string> known, FetchAttempts<OffsiteTarget> said, CancellationToken cancellationToken)
    {
        var good = new List<(OffsiteTarget Target, CatalogEntry Entry)>();
        foreach (var target in targets)
        {
            List<CatalogEntry> catalog;
            try
            {
                catalog = await WithDeadlineAsync(target, (client, token) => OffsiteCatalog.ListAsync(client, target, known, token), cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                said.Add(target, e);
                continue;
            }

            var where = $"s3://{target.Bucket}/{target.Prefix}";
            var ours = catalog.Where(e => e.Entry.State == OffsiteEntryState.Ok && (name is null || e.Entry.File == name)).ToList();
            good.AddRange(ours.Select(e => (target, e)));
            if (ours.Count > 0)
            {
                continue;
            }

            var named = name is null ? null : catalog.FirstOrDefault(e => e.Entry.File == name);
            var others = catalog.Count(e => e.Entry.State == OffsiteEntryState.OtherCluster);
            var (failure, reason) = named?.Entry.State switch
            {
                OffsiteEntryState.OtherCluster => (FetchFailure.OtherCluster,
                    $"{name} in {where} is a snapshot of cluster {named.Entry.ClusterId}, which is not this cluster ({string.Join(", ", known)}, as recorded in {lineage.Path}); not fetched"),
                OffsiteEntryState.ObjectMissing => (FetchFailure.Invalid, $"{name}'s manifest is in {where}, but its object {named.Entry.Key} is not"),
                OffsiteEntryState.SizeDiffers => (FetchFailure.Invalid,
                    $"{named.Entry.Key} in {where} is {named.Entry.StoredBytes} bytes, not the {named.Manifest!.Offsite!.SizeBytes} its manifest records; not downloaded"),
                _ => (FetchFailure.NotFound, (name is null ? $"no snapshot with its manifest in {where}" : $"no {name} with its manifest in {where}")
                    + (others > 0 ? $" ({others} of another cluster passed over)" : "")),
            };
            said.Add(target, failure, reason);
        }

        if (name is not null || good.Count == 0)
        {
            return good;
        }

        // The newest by the manifest's createdAt, one named ahead of the clock last (it may hold older data than
        // every other); a stable sort keeps the targets in Offsite.Targets order for one name.
        var now = _time.GetUtcNow();
        var newest = good.OrderBy(g => g.Entry.Entry.CreatedAt is { } at && NamedAhead.Of(at, now)).ThenByDescending(g => g.Entry.Entry.CreatedAt)
            .ThenByDescending(g => g.Entry.Entry.File, StringComparer.Ordinal).First().Entry.Entry.File;
        return [.. good.Where(g => g.Entry.Entry.File == newest)];
    }
}
