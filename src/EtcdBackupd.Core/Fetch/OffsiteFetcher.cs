using EtcdBackupd.Configuration;
using EtcdBackupd.Lineage;
using EtcdBackupd.Offsite;
using EtcdBackupd.Protocol.Results;
using EtcdBackupd.Snapshots;
using Microsoft.Extensions.Logging;

namespace EtcdBackupd.Fetch;

/// <summary>A snapshot brought from an off-site target: where it now is, the object it came from, whether this cluster's ID was checked.</summary>
internal sealed record OffsiteFetched(string Path, SnapshotManifest Manifest, OffsiteTarget From, string Key, bool AlreadyHere, bool ClusterChecked)
{
    public OffsiteSource Source => new(From.Name, From.Bucket, Key, Manifest.Offsite!.Compression, Manifest.Offsite.Recipients.Count > 0, ClusterChecked);
}

/// <summary>
/// Brings a snapshot back from the off-site targets, for masters whose directories were all lost: only this
/// cluster's objects (the target's prefix, and the manifest's cluster ID in the lineage recorded in
/// <c>State.Directory</c> when one is), streamed through age and zstd into <see cref="SnapshotPlacement"/>,
/// which verifies etcd's trailer and the manifest's raw SHA-256 before the file takes its name. Memory is
/// the decoders' (at most about 9 MiB for zstd's window) and one 1 MiB buffer, whatever the snapshot's size.
/// Targets are asked in <c>Offsite.Targets</c> order; one that fails is passed over for the next.
/// </summary>
internal sealed partial class OffsiteFetcher(Live<OffsiteOptions> offsite, ClusterLineage lineage, string directory, SnapshotVerifier verifier, TimeProvider time, ILogger logger)
{
    private readonly SnapshotPlacement _placement = new(directory, verifier, time);

    private readonly TimeProvider _time = time;

    private OffsiteOptions options => offsite.Current;

    /// <summary><paramref name="name"/> from the first of <paramref name="targets"/> that has a good copy of it, or with null this cluster's newest across them.</summary>
    public async Task<OffsiteFetched> FetchAsync(IReadOnlyList<OffsiteTarget> targets, string? name, Action<long, long>? progress, CancellationToken cancellationToken)
    {
        var known = lineage.Known();
        if (known.Count == 0)
        {
            FetchLog.ClusterUnknown(logger, lineage.Path);
        }

        // Ranked: a bad copy, another cluster's, a key that does not open it, a target not reached, else simply not found.
        var said = new FetchAttempts<OffsiteTarget>(t => t.Name, "no off-site target in Offsite.Targets",
            (t, e) => (FetchFailure.Unreachable, OffsiteErrors.Describe(e, t)),
            FetchFailure.Invalid, FetchFailure.OtherCluster, FetchFailure.KeyProblem, FetchFailure.Unreachable);
        var holders = await HoldersAsync(targets, name, known, said, cancellationToken);
        if (holders.Count == 0)
        {
            throw said.Failed(name is null ? "no snapshot of this cluster in the off-site targets" : $"{name} was not fetched");
        }

        var fetched = await said.FirstAsync(holders, h => h.Target, (holder, token) => FetchOneAsync(holder.Target, holder.Entry, known.Count > 0, progress, token),
            (holder, reason) => FetchLog.RefusedFromOffsite(logger, holder.Entry.Manifest!.FileName, holder.Target.Name, reason), cancellationToken);
        return fetched ?? throw said.Failed($"{holders[0].Entry.Manifest!.FileName} was not fetched");
    }

    private async Task<OffsiteFetched> FetchOneAsync(OffsiteTarget target, CatalogEntry entry, bool clusterKnown, Action<long, long>? progress, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var fetched = await WithDeadlineAsync(target, (client, token) => DownloadAsync(client, target, entry, clusterKnown, progress, token), cancellationToken);
        if (fetched.AlreadyHere)
        {
            FetchLog.AlreadyHereFromOffsite(logger, fetched.Path, target.Name);
        }
        else
        {
            var seconds = _time.GetElapsedTime(started).TotalSeconds;
            FetchLog.FetchedFromOffsite(logger, fetched.Path, target.Name, target.Bucket, fetched.Key, fetched.Manifest.SizeBytes, seconds);
        }

        return fetched;
    }

    /// <summary>One target's client within <c>Offsite.TimeoutSeconds</c>.</summary>
    private async Task<T> WithDeadlineAsync<T>(OffsiteTarget target, Func<Amazon.S3.AmazonS3Client, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(options.Timeout, _time);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        using var client = BucketClient.Create(target, options.Timeout);
        return await work(client, deadline.Token);
    }
}
