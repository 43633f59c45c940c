namespace EtcdBackupd.FileSystem;

internal static class FreeSpace
{
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
