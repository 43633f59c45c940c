using System.Runtime.InteropServices;

namespace EtcdBackupd.FileSystem;

/// <summary>
/// What identifies one version of a file: a rewrite in place changes mtime and ctime, a replacement
/// changes the inode, and <c>touch -d</c> back to the old mtime still moves ctime. A verification
/// remembered under this stamp is only reused for exactly the bytes that were read.
/// </summary>
internal readonly record struct FileStamp(long Size, long ModifiedNs, long ChangedNs, ulong Inode);

internal static partial class RegularFile
{
    private const int InodeOffset = 8, SizeOffset = 48, MtimeOffset = 88, CtimeOffset = 104;

    /// <summary>The stamp of a regular file at <paramref name="path"/> (not following a symlink); null when it is missing or anything else.</summary>
    public static unsafe FileStamp? StampOf(string path)
    {
        RequireX64();
        var stat = stackalloc byte[StatSize];
        var name = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = name)
        {
            if (Syscall(SysLstat, (nint)p, (nint)stat) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                return errno is ENoEnt or ENotDir ? null : throw new IOException($"cannot examine '{path}': {Marshal.GetPInvokeErrorMessage(errno)}");
            }
        }

        return Kind(stat) != FileKind.Regular ? null : new FileStamp(
            *(long*)(stat + SizeOffset), Nanoseconds(stat + MtimeOffset), Nanoseconds(stat + CtimeOffset), *(ulong*)(stat + InodeOffset));
    }

    /// <summary>A <c>struct timespec</c>: seconds, then nanoseconds.</summary>
    private static unsafe long Nanoseconds(byte* timespec) => (*(long*)timespec * 1_000_000_000L) + *(long*)(timespec + 8);
}
