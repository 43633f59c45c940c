using EtcdBackupd.FileSystem;
using Microsoft.Win32.SafeHandles;

namespace EtcdBackupd.Import;

/// <summary>
/// A snapshot the caller sent as an open file: read once, end to end, through the descriptor (checked a
/// regular file first), with etcd's trailer checked and the SHA-256 computed on the way; optionally
/// copied as it goes. What is checked is what is copied: the caller cannot change it in between.
/// </summary>
internal static class SentSnapshot
{
    private const int BufferBytes = 1 << 20;

    /// <summary>What one pass found: the size read, etcd's trailer, the SHA-256, and the file's modification time.</summary>
    public sealed record Read(long SizeBytes, bool TrailerOk, string Sha256, DateTimeOffset Modified);

    /// <summary>Reads the file through <paramref name="sent"/>, writing each piece to <paramref name="copy"/> when given.</summary>
    public static async Task<Read> ReadAsync(SafeFileHandle sent, string shownAs, Stream? copy, CancellationToken cancellationToken)
    {
        FileStream input;
        try
        {
            input = RegularFile.ReadThrough(sent, shownAs);
        }
        catch (NotARegularFileException e)
        {
            throw new ImportException(ErrorCodes.BadRequest, $"{e.Message}: a snapshot is a regular file");
        }

        await using (input)
        {
            var modified = new DateTimeOffset(File.GetLastWriteTimeUtc(input.SafeFileHandle), TimeSpan.Zero);
            // A size that no snapshot has (not whole bbolt pages and a trailer) is refused before gigabytes are read.
            if (!EtcdTrailer.HasSnapshotSize(input.Length))
            {
                throw new ImportException(ErrorCodes.InvalidSnapshot,
                    $"'{shownAs}' is {input.Length} bytes, which no etcd snapshot is (whole 512-byte pages and a 32-byte trailer): truncated, or not a snapshot");
            }

            // Nor is one read end to end that does not begin as a snapshot: a large file of anything else (a wrong file,
            // a sparse file of zeros) is refused in a moment rather than hashed for minutes. One with a forged header is
            // still read whole, bounded by one verify per caller and by the caller staying connected.
            var head = new byte[EtcdTrailer.HeaderLength];
            if (await RandomAccess.ReadAsync(input.SafeFileHandle, head, 0, cancellationToken) < head.Length || !EtcdTrailer.HasBoltHeader(head))
            {
                throw new ImportException(ErrorCodes.InvalidSnapshot,
                    $"'{shownAs}' does not begin with a bbolt database header, as every etcd snapshot does: not a snapshot");
            }

            using var trailer = new EtcdTrailer();
            var buffer = new byte[BufferBytes];
            long total = 0;
            int read;
            while ((read = await input.ReadAsync(buffer, cancellationToken)) > 0)
            {
                total += read;
                trailer.Append(buffer.AsSpan(0, read));
                if (copy is not null)
                {
                    await copy.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
            }

            var (trailerOk, sha256) = trailer.Complete();
            return new Read(total, trailerOk && EtcdTrailer.HasSnapshotSize(total), sha256, modified);
        }
    }

    /// <summary>The refusal of a file that fails etcd's trailer, or differs from the manifest that came with it; null when it passes.</summary>
    public static ImportException? Problem(Read read, SnapshotManifest? manifest, string shownAs)
    {
        if (!read.TrailerOk)
        {
            return new ImportException(ErrorCodes.InvalidSnapshot, $"'{shownAs}': etcd's SHA-256 trailer does not match the data (truncated or damaged); nothing was changed");
        }

        return manifest is not null && (manifest.Sha256 != read.Sha256 || manifest.SizeBytes != read.SizeBytes)
            ? new ImportException(ErrorCodes.InvalidSnapshot,
                $"'{shownAs}' differs from the manifest beside it ({read.SizeBytes} bytes, SHA-256 {read.Sha256}; the manifest says {manifest.SizeBytes} bytes, {manifest.Sha256}); nothing was changed")
            : null;
    }

    /// <summary>
    /// The path by which etcd's tool (a child process of this root daemon) opens the very file sent: the
    /// descriptor's entry under <c>/proc</c>, which needs no view of the caller's directories.
    /// </summary>
    public static string ProcPath(SafeFileHandle sent) => $"/proc/{Environment.ProcessId}/fd/{sent.DangerousGetHandle()}";
}
