using EtcdBackupd.Etcd;
using EtcdBackupd.FileSystem;
using EtcdBackupd.Lineage;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace EtcdBackupd.Snapshots;

/// <summary>
/// Turns a running etcd member into a snapshot file an operator can trust: etcd's trailer checked,
/// written as <c>.part</c> (0600: it holds every Secret of the cluster), fsynced, renamed into place,
/// with a manifest beside it. On any failure nothing that looks like a snapshot is left.
/// </summary>
/// <remarks>With a <paramref name="lineage"/>, each snapshot adds the live cluster ID to it and its manifest lists the IDs known.</remarks>
internal sealed class SnapshotEngine(EtcdOptions etcd, SnapshotOptions options, TimeProvider time, ILogger logger, ClusterLineage? lineage = null)
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Takes one snapshot; <paramref name="onReceived"/> is called with the bytes received so far.</summary>
    public async Task<SnapshotResult> TakeAsync(Action<long>? onReceived, CancellationToken cancellationToken) =>
        await TakeAsync(onReceived is null ? null : (received, _) => onReceived(received), cancellationToken);

    /// <summary>As above, with the expected total (etcd's database size plus the trailer) reported too.</summary>
    public async Task<SnapshotResult> TakeAsync(Action<long, long>? onProgress, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        // Bound to the await using as soon as it exists: the catch-up read or the member's description
        // may fail too, and every path must close the gRPC channel.
        await using var connection = await FromEtcdAsync(() => EtcdConnection.ConnectAsync(etcd, logger, cancellationToken), cancellationToken);
        var member = await FromEtcdAsync(() => DescribeCaughtUpAsync(connection, cancellationToken), cancellationToken);
        var known = lineage?.Record(ClusterIds.Of(member.ClusterId));
        var (createdAt, path) = await FreeNameAsync(member, cancellationToken);
        CheckFreeSpace(member.DbSizeBytes);
        SnapshotLog.Started(logger, path, member.Endpoint, member.MemberName, member.Revision, member.DbSizeBytes);

        var total = member.DbSizeBytes + EtcdTrailer.Length;
        var received = await ReceiveToFileAsync(connection, path, onProgress is null ? null : r => onProgress(r, total), cancellationToken);
        var manifest = new SnapshotManifest
        {
            FileName = Path.GetFileName(path),
            Sha256 = received.Sha256,
            SizeBytes = received.SizeBytes,
            EtcdVersion = member.Version,
            ClusterId = member.ClusterId.ToString("x"),
            MemberId = member.MemberId.ToString("x"),
            MemberName = member.MemberName,
            Endpoint = member.Endpoint.ToString(),
            Revision = member.Revision,
            RaftIndex = member.RaftIndex,
            DbSizeBytes = member.DbSizeBytes,
            KeyCount = member.KeyCount,
            CreatedAt = createdAt,
            Host = Environment.MachineName,
            EtcdBackupdVersion = ProductInfo.Version,
            Lineage = known?.Select(e => e.ClusterId).ToList(),
        };
        WriteManifest(path, manifest);
        var seconds = time.GetElapsedTime(started).TotalSeconds;
        SnapshotLog.Completed(logger, path, received.Sha256, member.Revision, received.SizeBytes, seconds);
        return new SnapshotResult(path, manifest);
    }

    private async Task<EtcdMemberInfo> DescribeCaughtUpAsync(EtcdConnection connection, CancellationToken cancellationToken)
    {
        if (await connection.CatchUpAsync(etcd.DialTimeout, cancellationToken) is { } behind)
        {
            // Without a quorum the member cannot learn what it is missing; its own data is still
            // the best copy there is, so the snapshot is taken and the journal says what it may lack.
            SnapshotLog.NotCaughtUp(logger, connection.Endpoint, behind);
        }

        return await connection.DescribeMemberAsync(cancellationToken);
    }

    private static async Task<T> FromEtcdAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call();
        }
        catch (Exception e) when (e is EtcdException or RpcException && !cancellationToken.IsCancellationRequested)
        {
            throw new SnapshotException(SnapshotFailure.EtcdUnavailable, e.Message, e);
        }
    }

    /// <summary>
    /// Names carry the time to the second: a second snapshot of the same revision within the same second
    /// waits for the next one rather than colliding with the first.
    /// </summary>
    private async Task<(DateTimeOffset CreatedAt, string Path)> FreeNameAsync(EtcdMemberInfo member, CancellationToken cancellationToken)
    {
        while (true)
        {
            var createdAt = time.GetUtcNow();
            var path = Path.Combine(options.Directory, SnapshotFileName.Build(createdAt, member.MemberName, member.Revision));
            if (!File.Exists(path) && !File.Exists(path + ".part"))
            {
                return (createdAt, path);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(1001 - createdAt.Millisecond), time, cancellationToken);
        }
    }

    private async Task<SnapshotStream.Received> ReceiveToFileAsync(
        EtcdConnection connection, string path, Action<long>? onReceived, CancellationToken cancellationToken)
    {
        var part = path + ".part";
        try
        {
            SnapshotStream.Received received;
            await using (var file = new FileStream(part, new FileStreamOptions
            {
                Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None,
                UnixCreateMode = OwnerOnly, BufferSize = 0,
            }))
            {
                received = await SnapshotStream.ReceiveAsync(connection.CallInvoker, file, onReceived, options.StallTimeout, cancellationToken);
            }

            Durable.RenameIntoPlace(part, path);
            return received;
        }
        catch (Exception e)
        {
            TryDelete(part);
            throw Classify(e, connection.Endpoint, cancellationToken);
        }
    }

    private void WriteManifest(string path, SnapshotManifest manifest)
    {
        try
        {
            Durable.WriteAllBytes(SnapshotFileName.ManifestOf(path), manifest.ToJson(), OwnerOnly);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A snapshot without its manifest would be trusted less than it deserves; report the whole failure.
            TryDelete(path);
            throw Classify(e, endpoint: null, CancellationToken.None);
        }
    }

    private void CheckFreeSpace(long dbSizeBytes)
    {
        if (FreeSpace.Of(options.Directory) is { } available && available < dbSizeBytes + FreeSpace.Headroom)
        {
            throw new SnapshotException(SnapshotFailure.DiskFull,
                $"Snapshots.Directory '{options.Directory}' has {ByteSize.Words(available)} free, and a snapshot of etcd's database "
                + $"({ByteSize.Words(dbSizeBytes)}) needs {ByteSize.Words(dbSizeBytes + FreeSpace.Headroom)} with 1 MiB to spare");
        }
    }

    /// <summary>The failure in words, with the directory or endpoint it concerns; the exception stays inside for the journal's EXCEPTION field.</summary>
    private SnapshotException Classify(Exception e, Uri? endpoint, CancellationToken cancellationToken) => e switch
    {
        SnapshotException known => known,
        _ when cancellationToken.IsCancellationRequested => new SnapshotException(SnapshotFailure.Cancelled, "the snapshot was cancelled", e),
        RpcException rpc => new SnapshotException(SnapshotFailure.StreamBroken, $"the snapshot stream from {endpoint} broke: {EtcdErrors.Describe(rpc, etcd)}", e),
        IOException io when FreeSpace.IsDiskFull(io) => new SnapshotException(SnapshotFailure.DiskFull,
            $"Snapshots.Directory '{options.Directory}' is full: no space left on its file system; nothing was kept of this snapshot", e),
        UnauthorizedAccessException => new SnapshotException(SnapshotFailure.DiskError,
            $"Snapshots.Directory '{options.Directory}': permission denied writing the snapshot (the daemon runs as root: a read-only mount, or an immutable file?)", e),
        IOException io => new SnapshotException(SnapshotFailure.DiskError, $"cannot write the snapshot in Snapshots.Directory '{options.Directory}': {io.Message}", e),
        _ => new SnapshotException(SnapshotFailure.StreamBroken,
            "the snapshot failed: " + (EtcdErrors.Plain(e.Message) ?? "an unexpected error (the journal's EXCEPTION field has the details)"), e),
    };

    private void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            SnapshotLog.LeftoverNotRemoved(logger, path, e.Message);
        }
    }
}
