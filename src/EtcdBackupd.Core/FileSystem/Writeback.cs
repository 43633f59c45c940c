using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace EtcdBackupd.FileSystem;

/// <summary>
/// Starts writing a large file to disk while it is still being received, instead of leaving a gigabyte
/// of dirty pages for the final fsync, and drops what is already on disk from the page cache so a
/// snapshot does not push etcd's own pages out of memory on a master.
/// </summary>
internal sealed partial class Writeback(SafeFileHandle file)
{
    private const long Window = 8L << 20;
    private const uint SyncWaitBefore = 1, SyncWrite = 2, SyncWaitAfter = 4;
    private const int FadviseDontNeed = 4;
    private long _started;

    /// <summary>Called with the bytes written so far.</summary>
    public void Advance(long written)
    {
        while (written - _started >= Window)
        {
            var fd = (int)file.DangerousGetHandle();
            // Errors are ignored: this only paces the kernel; the final fsync is what guarantees durability.
            _ = SyncFileRange(fd, _started, Window, SyncWrite);
            if (_started >= Window)
            {
                var previous = _started - Window;
                _ = SyncFileRange(fd, previous, Window, SyncWaitBefore | SyncWrite | SyncWaitAfter);
                _ = PosixFadvise(fd, previous, Window, FadviseDontNeed);
            }

            _started += Window;
        }
    }

    [LibraryImport("libc", EntryPoint = "sync_file_range")]
    private static partial int SyncFileRange(int fd, long offset, long count, uint flags);

    [LibraryImport("libc", EntryPoint = "posix_fadvise")]
    private static partial int PosixFadvise(int fd, long offset, long length, int advice);
}
