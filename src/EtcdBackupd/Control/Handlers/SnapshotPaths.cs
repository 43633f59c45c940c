namespace EtcdBackupd.Control.Handlers;

/// <summary>
/// A request's <c>file</c>: a snapshot name, or a path inside the snapshot directory. The daemon runs as
/// root and must not become a file oracle, so nothing else is accepted.
/// </summary>
internal sealed class SnapshotPaths(SnapshotDirectory directory)
{
    public string Directory => directory.Path;

    /// <summary>The full path, or null when <paramref name="file"/> is not one of our names in the directory.</summary>
    public string? Resolve(string? file)
    {
        // A NUL is in no file name, and Path.GetFullPath throws on it: refused here, as any other non-name.
        if (string.IsNullOrEmpty(file) || file.Contains('\0', StringComparison.Ordinal))
        {
            return null;
        }

        var path = Path.GetFullPath(Path.IsPathRooted(file) ? file : Path.Combine(directory.Path, file));
        return Path.GetDirectoryName(path) == directory.Path.TrimEnd('/') && SnapshotFileName.TryParse(Path.GetFileName(path), out _, out _, out _)
            ? path
            : null;
    }

    /// <summary>Whether <paramref name="file"/> is one of our names in the directory, and there.</summary>
    public bool IsPresent(string? file) => Resolve(file) is { } path && File.Exists(path);

    /// <summary>The <c>bad_request</c> text for a file that <see cref="Resolve"/> refused.</summary>
    public string NotASnapshot(string command, string? file) => string.IsNullOrEmpty(file)
        ? $"{command} needs \"file\": a snapshot name in {directory.Path}"
        : $"'{ControlDispatcher.Truncate(file)}' is not a snapshot name in {directory.Path}";
}
