using System.Text.Json;
using EtcdBackupd.FileSystem;

namespace EtcdBackupd.Snapshots;

/// <summary>Reading a manifest beside a snapshot: a regular file only, of a manifest's size.</summary>
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
}
