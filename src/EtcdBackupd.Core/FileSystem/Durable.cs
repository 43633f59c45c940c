using System.Runtime.InteropServices;
using static EtcdBackupd.FileSystem.Libc;

namespace EtcdBackupd.FileSystem;

/// <summary>
/// What makes a file survive a power cut once we say it exists: fsync the file, rename it into place,
/// fsync the directory that holds the new name.
/// </summary>
internal static class Durable
{
    /// <summary>Renames without replacing, then makes the rename itself durable.</summary>
    /// <remarks>
    /// A rename that cannot be made durable is undone: the file goes back to <paramref name="from"/>, where the
    /// caller's cleanup of a failed write finds it. Left under its name, it would pass for a good snapshot (one
    /// without a manifest, at the next health check) while the write that made it was reported failed.
    /// </remarks>
    public static void RenameIntoPlace(string from, string to)
    {
        File.Move(from, to, overwrite: false);
        try
        {
            SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(to))!);
        }
        catch (IOException)
        {
            File.Move(to, from, overwrite: false);
            throw;
        }
    }

    /// <summary>Writes a small file next to its final name, fsyncs it and renames it into place.</summary>
    /// <remarks>
    /// The partial is made new (O_EXCL) after whatever had its name is removed: opened with O_TRUNC, a symlink
    /// left there would be written through, and a file left there would keep its owner and mode.
    /// </remarks>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes, UnixFileMode mode)
    {
        var part = path + ".part";
        try
        {
            File.Delete(part);
            using (var stream = new FileStream(part, new FileStreamOptions
            {
                Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode, BufferSize = 0,
            }))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(part, path, overwrite: true);
            SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        }
        finally
        {
            File.Delete(part);
        }
    }

    public static void SyncDirectory(string directory)
    {
        var fd = Open(directory, ORdOnly | OCloExec);
        if (fd < 0)
        {
            throw new IOException($"cannot open directory '{directory}' to fsync it: {Marshal.GetLastPInvokeErrorMessage()}");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"fsync of directory '{directory}' failed: {Marshal.GetLastPInvokeErrorMessage()}");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }
}
