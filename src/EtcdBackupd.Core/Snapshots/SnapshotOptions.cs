using EtcdBackupd.Configuration;

namespace EtcdBackupd.Snapshots;

/// <summary>Where snapshots live. The directory must exist: a typo in the path should stop us, not create a new tree.</summary>
internal sealed class SnapshotOptions
{
    public const string Section = "Snapshots";

    public required string Directory { get; init; }

    public static SnapshotOptions Read(ConfigReader config)
    {
        var directory = config.RequiredString("Snapshots.Directory", "/var/lib/etcd-backupd/snapshots");
        if (directory.Length > 0)
        {
            var problem = CheckWritable(directory);
            if (problem is not null)
            {
                config.Problem("Snapshots.Directory", problem);
            }
        }

        return new SnapshotOptions { Directory = directory.Length > 0 ? Path.GetFullPath(directory) : directory };
    }

    /// <summary>Null when a file can be created in <paramref name="directory"/>, else why not.</summary>
    public static string? CheckWritable(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
        {
            return $"directory '{directory}' does not exist";
        }

        var probe = Path.Combine(directory, $".etcd-backupd-probe-{Environment.ProcessId}");
        try
        {
            using (File.Create(probe, 1, FileOptions.DeleteOnClose))
            {
            }

            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"directory '{directory}' is not writable: {e.Message}";
        }
    }
}
