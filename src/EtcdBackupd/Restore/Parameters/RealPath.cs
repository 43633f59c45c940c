using System.Runtime.InteropServices;

namespace EtcdBackupd.Restore;

/// <summary>A path with every symbolic link in it followed, as the kernel follows it: realpath(3).</summary>
internal static partial class RealPath
{
    /// <summary>The resolved path; null when it cannot be resolved (it does not exist: there is nothing to move).</summary>
    public static string? Of(string path)
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
