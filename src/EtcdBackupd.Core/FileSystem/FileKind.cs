namespace EtcdBackupd.FileSystem;

/// <summary>What a directory entry is, as <c>lstat</c> says: a symlink is a symlink, not what it points to.</summary>
internal enum FileKind
{
    Missing,
    Regular,
    Directory,
    Symlink,
    Fifo,
    Device,
    Socket,
}

internal static class FileKinds
{
    /// <summary>Whether anything is at <paramref name="path"/>: a symlink counts, dangling or not (it is never followed, never replaced).</summary>
    public static bool IsThere(string path) => RegularFile.KindOf(path) != FileKind.Missing;

    /// <summary><paramref name="name"/>, or it with -2, -3... when something has that name already: what is kept aside never replaces what was kept before.</summary>
    public static string FreeName(string name)
    {
        var free = name;
        for (var n = 2; IsThere(free); n++)
        {
            free = $"{name}-{n}";
        }

        return free;
    }

    /// <summary>"a regular file", "a directory", ... for messages.</summary>
    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Regular => "a regular file",
        FileKind.Directory => "a directory",
        FileKind.Symlink => "a symbolic link",
        FileKind.Socket => "a socket",
        FileKind.Fifo => "a FIFO",
        FileKind.Device => "a device",
        _ => "nothing",
    };
}
