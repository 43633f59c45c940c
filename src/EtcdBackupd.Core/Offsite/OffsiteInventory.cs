using EtcdBackupd.Configuration;
using EtcdBackupd.Lineage;
using EtcdBackupd.Protocol.Results;

namespace EtcdBackupd.Offsite;

/// <summary>
/// The read-back side's questions to the off-site targets that need no local file: is an object still the
/// one stored (<c>verify --offsite</c>), and what does a target hold (<c>list --offsite</c>). Targets are
/// asked one after the other; one that cannot be read is an answer, never an exception.
/// </summary>
internal sealed class OffsiteInventory(Live<OffsiteOptions> offsite, ClusterLineage lineage)
{
    /// <summary>This cluster's IDs as recorded in <c>State.Directory</c>; empty on a master that knows none.</summary>
    public IReadOnlyList<string> KnownClusterIds => lineage.Known();

    public async Task<OffsiteVerifyResult> VerifyAsync(IReadOnlyList<OffsiteTarget> targets, string name, CancellationToken cancellationToken)
    {
        var checks = new List<OffsiteCheck>();
        foreach (var target in targets)
        {
            checks.Add(await OffsiteVerifier.CheckAsync(target, name, offsite.Current.Timeout, cancellationToken));
        }

        return new OffsiteVerifyResult(name, checks);
    }

    public async Task<OffsiteListResult> ListAsync(IReadOnlyList<OffsiteTarget> targets, CancellationToken cancellationToken)
    {
        var known = KnownClusterIds;
        var listings = new List<OffsiteListing>();
        foreach (var target in targets)
        {
            try
            {
                using var client = BucketClient.Create(target, offsite.Current.Timeout);
                var entries = await OffsiteCatalog.ListAsync(client, target, known, cancellationToken);
                listings.Add(new OffsiteListing(target.Name, target.Bucket, target.Prefix, [.. entries.Select(e => e.Entry)]) { ClusterChecked = known.Count > 0 });
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                listings.Add(new OffsiteListing(target.Name, target.Bucket, target.Prefix, []) { ClusterChecked = known.Count > 0, Error = OffsiteErrors.Describe(e, target) });
            }
        }

        return new OffsiteListResult(listings);
    }
}
