using EtcdBackupd.FileSystem;
using EtcdBackupd.Peers;
using EtcdBackupd.Snapshots;
using Renci.SshNet;

namespace EtcdBackupd.Fetch;

/// <summary>
/// One download: to <c>NAME.part</c> (0600 before any data), fsynced, verified while it streams (etcd's
/// trailer, the manifest's SHA-256 and size), then the manifest and the rename into place, durably.
/// Whatever stops it, the <c>.part</c> is removed: nothing of a refused copy stays in the directory.
/// </summary>
internal sealed partial class PeerFetcher
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Large reads, so that SSH.NET keeps several SFTP requests in flight.</summary>
    private const int BufferBytes = 1 << 20;

    private static readonly TimeSpan ProgressEvery = TimeSpan.FromMilliseconds(500);

    private async Task<Fetched> DownloadAsync(PeerSession session, PeerTarget target, string name, Action<long, long>? progress, CancellationToken cancellationToken)
    {
        var sftp = session.Sftp;
        var remote = $"{target.Directory.TrimEnd('/')}/{name}";
        if (!await sftp.ExistsAsync(remote, cancellationToken))
        {
            throw new FetchException(FetchFailure.NotFound, $"no {name} in {target.Directory}");
        }

        var (manifest, manifestBytes) = await RemoteManifestAsync(sftp, remote, name, cancellationToken);
        var remoteSize = (await sftp.GetAttributesAsync(remote, cancellationToken)).Size;
        if (remoteSize != manifest.SizeBytes)
        {
            throw new FetchException(FetchFailure.Invalid, $"the peer's {name} is {remoteSize} bytes, its manifest says {manifest.SizeBytes}; not downloaded");
        }

        var local = Path.Combine(directory, name);
        // A symlink counts as there, dangling or not: it is never followed, never replaced.
        if (File.Exists(local) || Directory.Exists(local) || new FileInfo(local).LinkTarget is not null)
        {
            return AlreadyHere(local, manifest, manifestBytes, target, cancellationToken);
        }

        EnsureRoom(manifest.SizeBytes + PeerManifests.MaxBytes);

        var part = PartialFiles.Of(local);
        var manifestPath = SnapshotFileName.ManifestOf(local);
        var manifestWritten = false;
        try
        {
            File.Delete(part);
            await ReceiveAsync(sftp, remote, part, manifest, progress, cancellationToken);
            Durable.WriteAllBytes(manifestPath, manifestBytes, OwnerOnly);
            manifestWritten = true;
            Durable.RenameIntoPlace(part, local);
        }
        catch
        {
            File.Delete(part);
            if (manifestWritten)
            {
                File.Delete(manifestPath);
            }

            throw;
        }

        verifier.Remember(local, good: true);
        return new Fetched(local, manifest, target, AlreadyHere: false);
    }

    private async Task ReceiveAsync(SftpClient sftp, string remote, string part, SnapshotManifest manifest, Action<long, long>? progress, CancellationToken cancellationToken)
    {
        using var trailer = new EtcdTrailer();
        var buffer = new byte[BufferBytes];
        long received = 0;
        var reported = time.GetTimestamp();
        await using (var output = new FileStream(part, new FileStreamOptions
        {
            Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = OwnerOnly, BufferSize = 0,
        }))
        await using (var input = await sftp.OpenAsync(remote, FileMode.Open, FileAccess.Read, cancellationToken))
        {
            int read;
            while ((read = await input.ReadAsync(buffer, cancellationToken)) > 0)
            {
                received += read;
                if (received > manifest.SizeBytes)
                {
                    throw new FetchException(FetchFailure.Invalid, $"the peer's {manifest.FileName} grew past the {manifest.SizeBytes} bytes its manifest says while it was read");
                }

                trailer.Append(buffer.AsSpan(0, read));
                await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                if (progress is not null && time.GetElapsedTime(reported) >= ProgressEvery)
                {
                    reported = time.GetTimestamp();
                    progress(received, manifest.SizeBytes);
                }
            }

            output.Flush(flushToDisk: true);
        }

        var (trailerOk, sha256) = trailer.Complete();
        var problems = new List<string>();
        if (!trailerOk || !EtcdTrailer.HasSnapshotSize(received))
        {
            problems.Add("it fails etcd's SHA-256 trailer check");
        }

        if (received != manifest.SizeBytes || sha256 != manifest.Sha256)
        {
            problems.Add($"it differs from its manifest ({received} bytes, SHA-256 {sha256}; the manifest says {manifest.SizeBytes} bytes, {manifest.Sha256})");
        }

        if (problems.Count > 0)
        {
            throw new FetchException(FetchFailure.Invalid, $"the peer's copy of {manifest.FileName} is refused: {string.Join(", and ", problems)}; nothing was kept");
        }
    }
}
