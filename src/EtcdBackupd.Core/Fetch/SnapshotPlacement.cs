using System.Runtime.ExceptionServices;
using EtcdBackupd.FileSystem;
using EtcdBackupd.Snapshots;

namespace EtcdBackupd.Fetch;

/// <summary>Whose copy is being placed, in an operator's words: "the peer's copy" and "the peer's".</summary>
internal sealed record CopySource(string Copy, string Owner)
{
    public static readonly CopySource Peer = new("the peer's copy", "the peer's");

    public static readonly CopySource Offsite = new("the off-site copy", "the off-site one");
}

/// <summary>
/// How a fetched snapshot enters this master's directory, whatever it came from: to <c>NAME.part</c> (0600
/// before any data), fsynced, verified while it streams (etcd's trailer, the manifest's SHA-256 and size),
/// then the manifest and the rename into place, durably. Whatever stops it, the <c>.part</c> is removed:
/// nothing of a refused copy stays in the directory. A file of that name here already is never replaced.
/// </summary>
internal sealed class SnapshotPlacement(string directory, SnapshotVerifier verifier, TimeProvider time)
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Large reads, so that SSH.NET keeps several SFTP requests in flight.</summary>
    private const int BufferBytes = 1 << 20;

    private static readonly TimeSpan ProgressEvery = TimeSpan.FromMilliseconds(500);

    public string Directory => directory;

    public string PathOf(string name) => Path.Combine(directory, name);

    /// <summary>A full disk here would fail every source alike: said at once, and no source is blamed for it.</summary>
    public void EnsureRoom(long bytes)
    {
        var needed = bytes + FreeSpace.Headroom;
        if (FreeSpace.Of(directory) is { } free && free < needed)
        {
            throw new FetchException(FetchFailure.NoSpace,
                $"{directory} has {ByteSize.Words(free)} free, the snapshot needs {ByteSize.Words(needed)} (with 1 MiB to spare); nothing was downloaded");
        }
    }

    /// <summary>A file of that name is here: identical to the source's (its manifest written if it lacked one), or refused, never replaced.</summary>
    public void AlreadyHere(string local, SnapshotManifest manifest, byte[] manifestBytes, CopySource source, CancellationToken cancellationToken)
    {
        bool identical;
        try
        {
            var (trailerOk, sha256) = EtcdTrailer.Check(local, cancellationToken);
            identical = trailerOk && sha256 == manifest.Sha256 && new FileInfo(local).Length == manifest.SizeBytes;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            identical = false;
        }

        if (!identical)
        {
            throw new FetchException(FetchFailure.Exists,
                $"{local} exists and differs from {source.Copy} (SHA-256 {manifest.Sha256}); it is not replaced: move it away first if {source.Owner} is wanted");
        }

        ManifestFile.WriteIfMissing(SnapshotFileName.ManifestOf(local), manifestBytes);
        verifier.Remember(local, good: true);
    }

    /// <summary>Reads <paramref name="input"/> to its end into <paramref name="local"/>, verified, with its manifest; or leaves nothing.</summary>
    public async Task PlaceAsync(Stream input, string local, SnapshotManifest manifest, byte[] manifestBytes, CopySource source,
        Action<long, long>? progress, CancellationToken cancellationToken)
    {
        // A name of its own, as an import's: NAME.part is also what a peer pushing NAME here writes (and
        // truncates), and what a one-shot etcd-backupd fetch of NAME would write. Still a partial of our
        // naming, so the stale-partial sweep removes it if this process dies mid-copy.
        var part = PartialFiles.Of(PathOf(SnapshotFileName.Build(time.GetUtcNow(), $"fetch-{Guid.NewGuid():N}", 0)));
        var manifestPath = SnapshotFileName.ManifestOf(local);
        var manifestWritten = false;
        try
        {
            await ReceiveAsync(input, part, manifest, source, progress, cancellationToken);
            bool taken;
            using (DirectoryLock.Hold(directory))
            {
                // Under the directory's lock, as an import's: the name free, the manifest, the rename, nothing between.
                taken = FileKinds.IsThere(local);
                if (!taken)
                {
                    Durable.WriteAllBytes(manifestPath, manifestBytes, OwnerOnly);
                    manifestWritten = true;
                    Durable.RenameIntoPlace(part, local);
                }
            }

            if (taken)
            {
                // Placed meanwhile (a peer's push, an import): its manifest is not ours to replace. Read outside the lock:
                // a file found is never replaced, and reading gigabytes must not hold up the directory's other writers.
                File.Delete(part);
                AlreadyHere(local, manifest, manifestBytes, source, cancellationToken);
                return;
            }
        }
        catch (Exception e)
        {
            var left = Clean(part, manifestWritten && !FileKinds.IsThere(local) ? manifestPath : null);
            if (e is SourceReadFailed read)
            {
                ExceptionDispatchInfo.Throw(read.InnerException!);
            }

            // Only a write here fails so: this disk's, not the source's fault, and no other source would fare better.
            if (e is IOException io && FreeSpace.IsDiskFull(io))
            {
                throw new FetchException(FetchFailure.NoSpace, $"{directory} filled up while {source.Copy} of {manifest.FileName} was written; {left}");
            }

            if (e is IOException or UnauthorizedAccessException)
            {
                throw new FetchException(FetchFailure.WriteFailed,
                    $"{manifest.FileName} could not be written into {directory} ({e.Message}): this master's disk, not {source.Owner}, failed, so no other source was asked; {left}");
            }

            throw;
        }

        verifier.Remember(local, good: true);
    }

    /// <summary>The partial, and the manifest when given, removed; what an operator is told was left.</summary>
    private static string Clean(string part, string? manifestPath)
    {
        var left = new List<string>();
        foreach (var path in manifestPath is null ? [part] : new[] { part, manifestPath })
        {
            try
            {
                File.Delete(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                left.Add($"{path} could not be removed ({e.Message})");
            }
        }

        return left.Count == 0 ? "nothing was kept" : string.Join(", and ", left);
    }

    /// <summary>A read of the source: its failures are told apart from this disk's, which no other source would mend.</summary>
    private static async ValueTask<int> ReadAsync(Stream input, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            return await input.ReadAsync(buffer, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new SourceReadFailed(e);
        }
    }

    private sealed class SourceReadFailed(Exception inner) : Exception(inner.Message, inner);

    private async Task ReceiveAsync(Stream input, string part, SnapshotManifest manifest, CopySource source, Action<long, long>? progress, CancellationToken cancellationToken)
    {
        using var trailer = new EtcdTrailer();
        var buffer = new byte[BufferBytes];
        var pacer = Memory.GarbagePacer.ForRequestStreams();
        long received = 0;
        var reported = time.GetTimestamp();
        await using (var output = new FileStream(part, new FileStreamOptions
        {
            Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = OwnerOnly, BufferSize = 0,
        }))
        {
            int read;
            while ((read = await ReadAsync(input, buffer, cancellationToken)) > 0)
            {
                received += read;
                if (received > manifest.SizeBytes)
                {
                    throw new FetchException(FetchFailure.Invalid, $"{source.Copy} of {manifest.FileName} holds more than the {manifest.SizeBytes} bytes its manifest says; nothing was kept");
                }

                trailer.Append(buffer.AsSpan(0, read));
                await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                pacer.Moved(received);
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
            throw new FetchException(FetchFailure.Invalid, $"{source.Copy} of {manifest.FileName} is refused: {string.Join(", and ", problems)}; nothing was kept");
        }
    }
}
