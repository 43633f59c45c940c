using EtcdBackupd.FileSystem;
using EtcdBackupd.Restore;
using Microsoft.Win32.SafeHandles;

namespace EtcdBackupd.Import;

/// <summary>
/// Brings a snapshot from anywhere (sent as an open file) into the directory under our name, with a manifest
/// marked <c>imported</c>: then list, verify, retention and the pushes treat it like the daemon's own. The
/// copy goes to <c>NAME.part</c> (0600), is checked while it is written, fsynced, vouched for by its
/// manifest or by etcd's tool, and only then gets its manifest and its name, durably. A refused file
/// leaves nothing behind. The name: the manifest's when one came with the file, else the file's
/// modification time, the member <c>imported</c> and the revision etcd's tool reports.
/// </summary>
internal sealed class SnapshotImporter(SnapshotDirectory directory, RestoreOptions restore, SnapshotVerifier verifier, TimeProvider time, ILogger<SnapshotImporter> logger) : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const string ImportedMember = "imported";

    private readonly SemaphoreSlim _one = new(1, 1);

    /// <summary>Checks the file without copying it (<c>verify</c>, a dry run): the trailer, the manifest sent, else etcd's facts.</summary>
    public async Task<(SentSnapshot.Read Read, SnapshotFacts? Facts)> CheckAsync(SafeFileHandle sent, string origin, SnapshotManifest? manifest, CancellationToken cancellationToken)
    {
        var read = await SentSnapshot.ReadAsync(sent, origin, null, cancellationToken);
        if (SentSnapshot.Problem(read, manifest, origin) is { } refused)
        {
            throw refused;
        }

        return (read, manifest is null ? await FactsAsync(SentSnapshot.ProcPath(sent), origin, cancellationToken) : null);
    }

    /// <summary>The path the file would have once imported, for a dry run's plan.</summary>
    public string PlannedPath(SentSnapshot.Read read, SnapshotManifest? manifest, SnapshotFacts? facts) =>
        Path.Combine(directory.Path, NameOf(read, manifest, facts));

    public async Task<ImportResult> ImportAsync(SafeFileHandle sent, string origin, SnapshotManifest? manifest, SnapshotPin? pin, CancellationToken cancellationToken)
    {
        await _one.WaitAsync(cancellationToken);
        // A partial of our naming: the stale-partial sweep removes it if the daemon dies mid-copy.
        var part = PartialFiles.Of(Path.Combine(directory.Path, SnapshotFileName.Build(time.GetUtcNow(), $"import-{Guid.NewGuid():N}", 0)));
        try
        {
            EnsureRoom(sent, origin);
            SentSnapshot.Read read;
            await using (var copy = new FileStream(part, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = OwnerOnly, BufferSize = 0 }))
            {
                read = await SentSnapshot.ReadAsync(sent, origin, copy, cancellationToken);
                copy.Flush(flushToDisk: true);
            }

            if (SentSnapshot.Problem(read, manifest, origin) is { } refused)
            {
                throw refused;
            }

            var facts = manifest is null ? await FactsAsync(part, origin, cancellationToken) : null;
            var local = Path.Combine(directory.Path, NameOf(read, manifest, facts));
            var record = new SnapshotImport(origin, time.GetUtcNow(), HadManifest: manifest is not null);
            var written = (manifest ?? Invented(read, facts!)) with { FileName = Path.GetFileName(local), Imported = record, Pin = pin ?? manifest?.Pin };
            var alreadyHere = Place(part, local, written, read, origin, cancellationToken);
            verifier.Remember(local, good: true);
            var kept = ManifestFile.TryRead(SnapshotFileName.ManifestOf(local)) ?? written;
            ImportLog.Imported(logger, origin, local, read.SizeBytes, alreadyHere);
            return new ImportResult
            {
                Path = local, Origin = origin, SizeBytes = read.SizeBytes, Sha256 = read.Sha256, Revision = kept.Revision, CreatedAt = kept.CreatedAt,
                HadManifest = manifest is not null, Etcd = facts, AlreadyHere = alreadyHere, Pin = kept.Pin,
            };
        }
        finally
        {
            File.Delete(part);
            _one.Release();
        }
    }

    /// <summary>For tests: runs after the manifest is written and before the file is renamed into place, where a writer that takes no lock can race.</summary>
    internal Action? BeforeRename { get; init; }

    /// <summary>Moves the checked copy into place with its manifest; an identical file already there is kept (true), a different one refuses.</summary>
    private bool Place(string part, string local, SnapshotManifest manifest, SentSnapshot.Read read, string origin, CancellationToken cancellationToken)
    {
        var manifestPath = SnapshotFileName.ManifestOf(local);
        var placedMeanwhile = false;
        // Under the directory's lock, as a fetch's: the name free, the manifest, the rename, nothing between.
        using (DirectoryLock.Hold(directory.Path))
        {
            if (!FileKinds.IsThere(local))
            {
                Durable.WriteAllBytes(manifestPath, manifest.ToJson(), OwnerOnly);
                BeforeRename?.Invoke();
                try
                {
                    Durable.RenameIntoPlace(part, local);
                    return false;
                }
                catch (IOException) when (FileKinds.IsThere(local))
                {
                    // Placed meanwhile by a writer that takes no lock (an operator's mv, a peer's push over SFTP).
                    placedMeanwhile = true;
                }
                catch
                {
                    File.Delete(manifestPath);
                    throw;
                }
            }
        }

        return FoundHere(local, manifest, read, origin, placedMeanwhile, cancellationToken);
    }

    /// <summary>
    /// A file already under the name, read outside the lock (a file found is never replaced, and gigabytes must not hold up
    /// the directory's other writers): the same one is kept (given the manifest if it lacks one), a different one refuses.
    /// One placed meanwhile loses the manifest this import wrote before it, when that is still there: it describes another file.
    /// </summary>
    private bool FoundHere(string local, SnapshotManifest manifest, SentSnapshot.Read read, string origin, bool placedMeanwhile, CancellationToken cancellationToken)
    {
        var manifestPath = SnapshotFileName.ManifestOf(local);
        bool same;
        try
        {
            same = RegularFile.KindOf(local) == FileKind.Regular && EtcdTrailer.Check(local, cancellationToken) is { TrailerMatches: true } here && here.FileSha256 == read.Sha256;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Unreadable is not the same: refused as different, as a fetch does, and this import's manifest still goes.
            same = false;
        }

        if (!same)
        {
            using (DirectoryLock.Hold(directory.Path))
            {
                if (placedMeanwhile && ManifestFile.TryRead(manifestPath)?.Sha256 == read.Sha256)
                {
                    File.Delete(manifestPath);
                }
            }

            throw new ImportException(ErrorCodes.Exists, $"{local} exists and differs from '{origin}'; nothing was replaced: move it away first if '{origin}' is wanted");
        }

        ManifestFile.WriteIfMissing(manifestPath, manifest.ToJson());
        return true;
    }

    private static string NameOf(SentSnapshot.Read read, SnapshotManifest? manifest, SnapshotFacts? facts) =>
        manifest is not null && SnapshotFileName.TryParse(manifest.FileName, out _, out _, out _)
            ? manifest.FileName
            : SnapshotFileName.Build(manifest?.CreatedAt ?? read.Modified, manifest?.MemberName ?? ImportedMember, manifest?.Revision ?? facts!.Revision);

    /// <summary>A manifest for a file that came without one: what the file and etcd's tool say, and nothing made up (no cluster, no member).</summary>
    private static SnapshotManifest Invented(SentSnapshot.Read read, SnapshotFacts facts) => new()
    {
        FileName = "", Sha256 = read.Sha256, SizeBytes = read.SizeBytes, EtcdVersion = facts.Version ?? "", ClusterId = "", MemberId = "",
        MemberName = ImportedMember, Endpoint = "", Revision = facts.Revision, RaftIndex = 0, DbSizeBytes = facts.TotalSizeBytes,
        KeyCount = facts.TotalKeys, CreatedAt = read.Modified, Host = Environment.MachineName, EtcdBackupdVersion = ProductInfo.Version,
    };

    private async Task<SnapshotFacts> FactsAsync(string file, string origin, CancellationToken cancellationToken)
    {
        var tool = restore.ChooseTool();
        try
        {
            return await EtcdSnapshotStatus.ReadAsync(RestoreTool.Locate(tool.Value) ?? tool.Value, file, cancellationToken);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or TimeoutException)
        {
            // The tool said nothing of the file: an operator told it is invalid might throw away the only copy left.
            throw new ImportException(ErrorCodes.Failed,
                $"'{origin}' has no manifest, and etcd's tool '{tool.Value}' ({tool.Source}) could not judge it ({e.Message}): the file may be good; "
                + "set Restore.Tool to etcdutl (etcd 3.5+) or etcdctl (3.4)" + (e is TimeoutException ? ", or try again on a less busy machine" : ""));
        }
        catch (IOException e)
        {
            throw new ImportException(ErrorCodes.InvalidSnapshot, $"'{origin}' has no manifest, and etcd's tool could not vouch for it: {e.Message}");
        }
    }

    private void EnsureRoom(SafeFileHandle sent, string origin)
    {
        var size = RandomAccess.GetLength(sent);
        if (FreeSpace.Of(directory.Path) is { } free && free < size + FreeSpace.Headroom)
        {
            throw new ImportException(ErrorCodes.InsufficientSpace,
                $"'{origin}' is {ByteSize.Words(size)} and {directory.Path} has {ByteSize.Words(free)} free; it needs {ByteSize.Words(size + FreeSpace.Headroom)} (with 1 MiB to spare); nothing was written");
        }
    }

    public void Dispose() => _one.Dispose();
}
