using System.Text.Json;
using EtcdBackupd.FileSystem;

namespace EtcdBackupd.Snapshots;

/// <summary>Reading a manifest beside a snapshot: a regular file only, of a manifest's size; giving a snapshot found here the one it lacks.</summary>
internal static class ManifestFile
{
    /// <summary>The manifest file at <paramref name="path"/>; null when it is missing, unreadable, not a regular file or not a manifest.</summary>
    public static SnapshotManifest? TryRead(string path)
    {
        try
        {
            return SnapshotManifest.FromJson(RegularFile.ReadAllBytes(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Writes <paramref name="manifest"/> beside a snapshot found under its name when none is readable there, under the
    /// directory's lock (<see cref="DirectoryLock"/>), as a fetch or an import that found the same file does; one already there stays.
    /// </summary>
    public static void WriteIfMissing(string manifestPath, ReadOnlySpan<byte> manifest)
    {
        using var placing = DirectoryLock.Hold(Path.GetDirectoryName(manifestPath)!);
        if (TryRead(manifestPath) is null)
        {
            Durable.WriteAllBytes(manifestPath, manifest, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
