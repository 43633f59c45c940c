using EtcdBackupd.Configuration;

namespace EtcdBackupd.Snapshots;

/// <summary>Where snapshots live. The directory must exist: a typo in the path should stop us, not create a new tree.</summary>
internal sealed class SnapshotOptions
{
    public const string Section = "Snapshots";

    public required string Directory { get; init; }

    /// <summary>
    /// <c>Snapshots.ReserveBytes</c>: room an ad-hoc snapshot must leave free; null is <c>auto</c>
    /// (the default), one database size, so that the next scheduled snapshot still fits.
    /// </summary>
    public long? ReserveBytes { get; init; }

    /// <summary>
    /// How long a snapshot stream may carry nothing before it is abandoned: a stopped etcd, or a link that
    /// no longer carries data, would otherwise hold the run (and every scheduled one after it) for ever.
    /// Long enough for etcd to answer under load; not a configuration key (tests shorten it).
    /// </summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromMinutes(5);

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

        return new SnapshotOptions { Directory = directory.Length > 0 ? Path.GetFullPath(directory) : directory, ReserveBytes = Reserve(config) };
    }

    private static long? Reserve(ConfigReader config)
    {
        var text = config.String("Snapshots.ReserveBytes");
        if (text is null || text.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var bytes))
        {
            return bytes;
        }

        config.Problem("Snapshots.ReserveBytes", $"'{text}' must be \"auto\" (one database size) or a number of bytes such as 2147483648");
        return null;
    }

    /// <summary>Null when a file can be created in <paramref name="directory"/>, else why not.</summary>
    public static string? CheckWritable(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
        {
            return $"directory '{directory}' does not exist";
        }

        // A name no one can guess, created only if it is not there (O_EXCL, which does not follow a symlink): a root daemon
        // opening a name known in advance would truncate whatever a link planted under it points to.
        var probe = Path.Combine(directory, $".etcd-backupd-probe-{Guid.NewGuid():N}");
        try
        {
            using (new FileStream(probe, new FileStreamOptions
            {
                Mode = FileMode.CreateNew, Access = FileAccess.Write, Options = FileOptions.DeleteOnClose, BufferSize = 0,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            }))
            {
            }

            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // .NET's own text for EACCES names the probe file, which the operator never made.
            return e is UnauthorizedAccessException
                ? $"directory '{directory}' is not writable: permission denied for user '{Environment.UserName}'"
                : $"directory '{directory}' is not writable: {e.Message}";
        }
    }
}
