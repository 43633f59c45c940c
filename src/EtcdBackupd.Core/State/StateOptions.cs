using EtcdBackupd.Configuration;
using EtcdBackupd.Snapshots;

namespace EtcdBackupd.State;

/// <summary>
/// <c>State.Directory</c>: what the daemon must remember across its own restarts (open restore sessions,
/// the cluster IDs this cluster has had). Defaults to systemd's <c>$STATE_DIRECTORY</c>
/// (<c>StateDirectory=etcd-backupd</c> in the unit), else <c>/var/lib/etcd-backupd</c>.
/// </summary>
internal sealed class StateOptions
{
    public const string DefaultDirectory = "/var/lib/etcd-backupd";

    public required string Directory { get; init; }

    public static StateOptions Read(ConfigReader config)
    {
        // systemd joins several StateDirectory= entries with ':'; the unit names one.
        var fromSystemd = Environment.GetEnvironmentVariable("STATE_DIRECTORY")?.Split(':', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        var directory = Path.GetFullPath(config.String("State.Directory") ?? fromSystemd ?? DefaultDirectory);
        var problem = Prepare(directory);
        if (problem is not null)
        {
            config.Problem("State.Directory", problem);
        }

        return new StateOptions { Directory = directory };
    }

    /// <summary>Creates the directory (0700: it names snapshots and data directories) when its parent exists; null when it is writable.</summary>
    private static string? Prepare(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
        {
            if (!System.IO.Directory.Exists(Path.GetDirectoryName(directory)))
            {
                return $"directory '{directory}' does not exist, nor does its parent";
            }

            try
            {
                System.IO.Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return $"directory '{directory}' cannot be created: {e.Message}";
            }
        }

        return SnapshotOptions.CheckWritable(directory);
    }
}
