using EtcdBackupd.FileSystem;

namespace EtcdBackupd.Preflight;

/// <summary>The snapshot directory takes a file, and has room for a snapshot of the database as it is now.</summary>
internal static class DirectoryCheck
{
    public static CheckLine Run(string directory, long? dbSizeBytes)
    {
        if (SnapshotOptions.CheckWritable(directory) is { } problem)
        {
            return new CheckLine(CheckNames.SnapshotDirectory, false, problem);
        }

        long free;
        try
        {
            free = new DriveInfo(directory).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new CheckLine(CheckNames.SnapshotDirectory, false, $"{directory} is writable, but its free space cannot be read: {e.Message}");
        }

        if (dbSizeBytes is not { } db)
        {
            return new CheckLine(CheckNames.SnapshotDirectory, true,
                $"{directory} is writable, {ByteSize.Words(free)} free; the room a snapshot needs is unknown while etcd does not answer");
        }

        return free < db + FreeSpace.Headroom
            ? new CheckLine(CheckNames.SnapshotDirectory, false,
                $"{directory} is writable, but has {ByteSize.Words(free)} free and a snapshot of the database needs {ByteSize.Words(db + FreeSpace.Headroom)}")
            : new CheckLine(CheckNames.SnapshotDirectory, true,
                $"{directory} is writable, {ByteSize.Words(free)} free; a snapshot of the database needs {ByteSize.Words(db + FreeSpace.Headroom)}");
    }
}
