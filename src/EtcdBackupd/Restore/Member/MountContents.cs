using EtcdBackupd.FileSystem;

namespace EtcdBackupd.Restore;

/// <summary>
/// What a mount point holds, moved entry by entry: a mount point itself cannot be renamed (etcd's data or WAL
/// on a disk of its own), so its old contents go aside into a directory inside it, on the same disk.
/// </summary>
internal static class MountContents
{
    /// <summary>
    /// What stays at the top of the mount whatever moves: the file system's own <c>lost+found</c>, and the
    /// directories restores keep there (never moved into the next one's, which would bury them).
    /// </summary>
    public static bool Stays(string name) =>
        name == "lost+found" || KeptDirectories.IsKeptInside(name);

    /// <summary>The names of the entries of <paramref name="dir"/> that move.</summary>
    public static IReadOnlyList<string> Movable(string dir) =>
        [.. Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName).OfType<string>().Where(name => !Stays(name)).Order(StringComparer.Ordinal)];

    /// <summary>
    /// Each of <paramref name="names"/> still in <paramref name="from"/> into <paramref name="to"/>, made (0700) when
    /// missing; one rename each, so an entry is wholly in one place or the other.
    /// </summary>
    public static void Move(string from, string to, IEnumerable<string> names)
    {
        Directory.CreateDirectory(to, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (var name in names)
        {
            var source = Path.Combine(from, name);
            if (FileKinds.IsThere(source))
            {
                Rename(source, Path.Combine(to, name));
            }
        }
    }

    /// <summary>Every entry of <paramref name="from"/> up into <paramref name="to"/>, then <paramref name="from"/>, empty, is removed.</summary>
    public static void MoveUp(string from, string to)
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries(from).ToList())
        {
            Rename(entry, Path.Combine(to, Path.GetFileName(entry)));
        }

        Directory.Delete(from);
    }

    /// <summary>rename(2), for a file or a directory, never over something already there.</summary>
    private static void Rename(string source, string destination)
    {
        if (FileKinds.IsThere(destination))
        {
            throw new IOException($"cannot move {source} to {destination}: something is there already");
        }

        try
        {
            if (Directory.Exists(source))
            {
                Directory.Move(source, destination);
            }
            else
            {
                // With overwrite, one rename(2); without, .NET links and then unlinks, and a kill between the two would
                // leave the file in both places. Nothing is there: checked above.
                File.Move(source, destination, overwrite: true);
            }
        }
        catch (IOException e)
        {
            // The bare errno ("Device or resource busy") would not say which entry, nor where it was going.
            throw new IOException($"cannot move {source} to {destination}: {e.Message}", e);
        }
    }
}
