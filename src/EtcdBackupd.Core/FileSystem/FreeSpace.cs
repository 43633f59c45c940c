namespace EtcdBackupd.FileSystem;

internal static class FreeSpace
{
    /// <summary>
    /// Room asked for beyond a file's own bytes wherever one is about to be written, here or on a peer: its
    /// manifest, its last block, the directory's growth and the file system's metadata come to kilobytes; the
    /// rest allows for other writers meanwhile. Kept small on purpose: in a disaster the file that must come
    /// in is refused only when it cannot fit.
    /// </summary>
    public const long Headroom = 1 << 20;

    /// <summary>Whether a write failed because the file system is full (ENOSPC, which .NET carries as the HResult).</summary>
    public static bool IsDiskFull(IOException e) => (e.HResult & 0xFFFF) == 28 || e.Message.Contains("No space left", StringComparison.Ordinal);

    /// <summary>The bytes free to this process on <paramref name="directory"/>'s file system; null when it cannot be read (the write itself will tell).</summary>
    public static long? Of(string directory)
    {
        try
        {
            return new DriveInfo(directory).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }
}
