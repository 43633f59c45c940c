using EtcdBackupd.Snapshots;
using Microsoft.Extensions.Logging;
using Renci.SshNet;

namespace EtcdBackupd.Peers;

/// <summary>
/// Sends a snapshot and its manifest to every peer, in parallel up to <c>Peers.Parallelism</c>. A peer
/// never sees a partial file under a snapshot's name: the upload goes to <c>.part</c> (0600 before
/// any data), its size is checked, then a POSIX rename puts it in place. A dead or slow peer costs at
/// most <c>Peers.TimeoutSeconds</c> and never fails the snapshot; each result is returned and logged.
/// A problem a retry would meet again (too little space, no permission) is not retried.
/// </summary>
internal sealed class PeerPusher(PeersOptions options, TimeProvider time, ILogger logger)
{
    private const short OwnerOnly = 600;

    /// <summary>For testing and progress: called with a target and the bytes of the snapshot uploaded so far.</summary>
    public Action<PeerTarget, ulong>? OnUploaded { get; init; }

    public async Task<IReadOnlyList<PeerPushResult>> PushAsync(SnapshotResult snapshot, CancellationToken cancellationToken)
    {
        var results = new PeerPushResult[options.Targets.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, results.Length),
            new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism, CancellationToken = cancellationToken },
            async (i, token) => results[i] = await PushOneAsync(options.Targets[i], snapshot, token));
        return results;
    }

    private async Task<PeerPushResult> PushOneAsync(PeerTarget target, SnapshotResult snapshot, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        using var timeout = new CancellationTokenSource(options.Timeout, time);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var error = "";
        var attempt = 0;
        while (attempt < options.Attempts)
        {
            attempt++;
            try
            {
                await using var session = await PeerSession.ConnectAsync(target, options, logger, deadline.Token);
                var skipped = await CopyAsync(session.Sftp, target, snapshot, deadline.Token);
                var seconds = time.GetElapsedTime(started).TotalSeconds;
                if (skipped)
                {
                    PeersLog.AlreadyThere(logger, target.Host, target.Port, snapshot.Path);
                }
                else
                {
                    PeersLog.Copied(logger, snapshot.Path, target.Host, target.Port, target.Directory, snapshot.Manifest.SizeBytes, seconds);
                }

                return new PeerPushResult(target.Host, target.Port, true, skipped, null, attempt, time.GetElapsedTime(started));
            }
            catch (Exception e) when (PeerErrors.IsFinal(e))
            {
                error = PeerErrors.Describe(e, target.Directory);
                break;
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                var reason = PeerErrors.Describe(e, target.Directory);
                error = timeout.IsCancellationRequested ? $"gave up after Peers.TimeoutSeconds ({options.Timeout.TotalSeconds:F0} s): {reason}" : reason;
                PeersLog.AttemptFailed(logger, snapshot.Path, target.Host, target.Port, attempt, options.Attempts, error);
                if (timeout.IsCancellationRequested || attempt == options.Attempts)
                {
                    break;
                }

                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(Math.Pow(2, attempt - 1)), time, deadline.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    error = $"gave up after Peers.TimeoutSeconds ({options.Timeout.TotalSeconds:F0} s): {error}";
                    break;
                }
            }
        }

        PeersLog.Failed(logger, snapshot.Path, target.Host, target.Port, error);
        return new PeerPushResult(target.Host, target.Port, false, false, error, attempt, time.GetElapsedTime(started));
    }

    /// <summary>True when the peer already had an identical copy.</summary>
    private async Task<bool> CopyAsync(SftpClient sftp, PeerTarget target, SnapshotResult snapshot, CancellationToken cancellationToken)
    {
        var remote = $"{target.Directory.TrimEnd('/')}/{Path.GetFileName(snapshot.Path)}";
        var remoteManifest = SnapshotFileName.ManifestOf(remote);
        if (await IsIdenticalAsync(sftp, remote, remoteManifest, snapshot.Manifest, cancellationToken))
        {
            return true;
        }

        var localManifest = SnapshotFileName.ManifestOf(snapshot.Path);
        var needed = new FileInfo(snapshot.Path).Length + new FileInfo(localManifest).Length + PeerSpace.Margin;
        await PeerSpace.EnsureRoomAsync(sftp, target, needed, logger, cancellationToken);
        await UploadAsync(sftp, snapshot.Path, remote, uploaded => OnUploaded?.Invoke(target, uploaded), cancellationToken);
        await UploadAsync(sftp, localManifest, remoteManifest, null, cancellationToken);
        return false;
    }

    private static async Task<bool> IsIdenticalAsync(SftpClient sftp, string remote, string remoteManifest, SnapshotManifest local, CancellationToken cancellationToken)
    {
        if (!await sftp.ExistsAsync(remote, cancellationToken) || !await sftp.ExistsAsync(remoteManifest, cancellationToken)
            || (await sftp.GetAttributesAsync(remote, cancellationToken)).Size != local.SizeBytes)
        {
            return false;
        }

        try
        {
            var theirs = SnapshotManifest.FromJson(sftp.ReadAllBytes(remoteManifest));
            return theirs is not null && theirs.Sha256 == local.Sha256 && theirs.SizeBytes == local.SizeBytes;
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    private static async Task UploadAsync(SftpClient sftp, string local, string remote, Action<ulong>? onUploaded, CancellationToken cancellationToken)
    {
        var part = remote + ".part";
        await using (await sftp.OpenAsync(part, FileMode.Create, FileAccess.Write, cancellationToken))
        {
        }

        sftp.ChangePermissions(part, OwnerOnly);

        // SSH.NET reads in SFTP-packet-sized pieces; a 1 MiB buffer turns those into few large reads.
        await using var input = new FileStream(local, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        var progress = onUploaded is null ? null : new SynchronousProgress(onUploaded);
        await sftp.UploadFileAsync(input, part, canOverride: true, progress, cancellationToken);
        var size = (await sftp.GetAttributesAsync(part, cancellationToken)).Size;
        if (size != input.Length)
        {
            throw new IOException($"the peer holds {size} bytes of '{part}', expected {input.Length}");
        }

        sftp.RenameFile(part, remote, isPosix: true);
    }

    /// <summary>Reports on the uploading thread, unlike <see cref="Progress{T}"/>, which posts.</summary>
    private sealed class SynchronousProgress(Action<ulong> report) : IProgress<UploadFileProgressReport>
    {
        public void Report(UploadFileProgressReport value) => report(value.TotalBytesUploaded);
    }
}
