using System.Runtime.InteropServices;

namespace EtcdBackupd.Restore;

/// <summary>A path with every symbolic link in it followed, as the kernel follows it: realpath(3).</summary>
internal static partial class RealPath
{
    /// <summary>
    /// The resolved path. A path whose last part is missing, or a link leading nowhere (the directory it led to moved
    /// aside by a restore that a restarted daemon takes up again), is resolved as far as it goes: its parent, and the
    /// links in its last part, by hand. Null when even that fails (a parent missing or unreadable).
    /// </summary>
    public static string? Of(string path)
    {
        if (Resolved(path) is { } whole)
        {
            return whole;
        }

        var full = Path.GetFullPath(path).TrimEnd('/');
        for (var hops = 0; hops < 40 && full.Length > 0; hops++)
        {
            if (new FileInfo(full).LinkTarget is not { } target)
            {
                return Path.GetDirectoryName(full) is { } parent && Resolved(parent) is { } real ? Path.Join(real, Path.GetFileName(full)) : null;
            }

            full = Path.GetFullPath(target, Path.GetDirectoryName(full) ?? "/").TrimEnd('/');
        }

        return null;
    }

    private static string? Resolved(string path)
    {
        var resolved = Resolve(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero)
        {
            return null;
        }

        try
        {
            return Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            Free(resolved);
        }
    }

    /// <summary>
    /// <paramref name="dir"/> resolved, saying so in its source; as it was when nothing in it is a link. A restore works
    /// on where the data is: renaming a link to the data moves the link, and the tool then writes a new directory in
    /// its place, on whatever disk holds the link.
    /// </summary>
    public static Sourced Followed(Sourced dir) =>
        dir.Value.Length > 0 && Of(dir.Value) is { } real && real != Path.GetFullPath(dir.Value).TrimEnd('/')
            ? new(real, $"{dir.Source}, {dir.Value} with its links followed")
            : dir;

    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr Resolve(string path, IntPtr resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void Free(IntPtr pointer);
}
