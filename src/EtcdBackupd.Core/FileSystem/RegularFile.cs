using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using static EtcdBackupd.FileSystem.Libc;

namespace EtcdBackupd.FileSystem;

/// <summary>A file named like ours that is not a regular file: never read, never deleted, reported.</summary>
internal sealed class NotARegularFileException(string path, FileKind kind)
    : IOException($"'{path}' is not a regular file ({FileKinds.Describe(kind)}), left alone")
{
    public FileKind Kind => kind;
}

/// <summary>
/// Opens files in the snapshot directory only when they are regular files, in one step: <c>open</c>
/// with <c>O_NOFOLLOW | O_NONBLOCK</c> (a symlink fails, a FIFO does not block), then <c>fstat</c> on
/// the open descriptor, so nothing can be swapped between a check and the open. Anyone in the
/// directory's group could otherwise make the daemon (root) read <c>/dev/zero</c> for ever, or wait
/// on a FIFO that nobody writes. <c>fstat</c> and <c>lstat</c> are called as system calls: the glibc
/// functions of those names exist only from 2.33, and the programs run on glibc 2.17.
/// </summary>
internal static partial class RegularFile
{
    private const int Eloop = 40, ENoEnt = 2, ENotDir = 20;
    private const long SysFstat = 5, SysLstat = 6;
    private const int StatSize = 144, ModeOffset = 24;

    /// <summary>Opens <paramref name="path"/> for reading; <see cref="NotARegularFileException"/> when it is anything but a regular file.</summary>
    public static FileStream OpenRead(string path, int bufferSize = 1 << 16, FileOptions options = FileOptions.SequentialScan)
    {
        RequireX64();
        var fd = Open(path, ORdOnly | ONonBlock | ONoFollow | OCloExec);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == Eloop)
            {
                throw new NotARegularFileException(path, FileKind.Symlink);
            }

            throw errno == ENoEnt ? new FileNotFoundException($"'{path}' does not exist", path) : new IOException($"cannot open '{path}': {Marshal.GetPInvokeErrorMessage(errno)}");
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            var kind = KindOf(handle);
            if (kind != FileKind.Regular)
            {
                throw new NotARegularFileException(path, kind);
            }

            return new FileStream(handle, FileAccess.Read, bufferSize, isAsync: (options & FileOptions.Asynchronous) != 0);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads through a descriptor another process opened and sent (SCM_RIGHTS): checked with <c>fstat</c>
    /// before a byte is read, so a FIFO, a device or a directory is refused instead of read or waited on.
    /// The stream reads from the file's start with its own offset (pread), so the sender's offset neither moves nor matters.
    /// The handle stays the caller's: the stream is disposed without closing it.
    /// </summary>
    public static FileStream ReadThrough(SafeFileHandle sent, string shownAs)
    {
        RequireX64();
        var kind = KindOf(sent);
        if (kind != FileKind.Regular)
        {
            throw new NotARegularFileException(shownAs, kind);
        }

        // A handle of our own on the same descriptor number would close it twice; a duplicate is closed on its own.
        var duplicate = Dup(sent.DangerousGetHandle().ToInt32());
        if (duplicate < 0)
        {
            throw new IOException($"cannot read '{shownAs}': {Marshal.GetLastPInvokeErrorMessage()}");
        }

        // A FileStream made from a handle starts at the descriptor's offset, which the sender shares: a script that
        // read the file's head before sending it would have the check start there and fail a good snapshot.
        return new FileStream(new SafeFileHandle(duplicate, ownsHandle: true), FileAccess.Read, 0) { Position = 0 };
    }

    /// <summary>The whole of a small regular file (a manifest); <see cref="NotARegularFileException"/> otherwise.</summary>
    public static byte[] ReadAllBytes(string path, int limit = 1 << 20)
    {
        using var file = OpenRead(path, 0);
        if (file.Length > limit)
        {
            throw new IOException($"'{path}' is {file.Length} bytes, more than the {limit} a manifest may have");
        }

        var bytes = new byte[file.Length];
        file.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>What the entry at <paramref name="path"/> is, without following a symlink.</summary>
    public static unsafe FileKind KindOf(string path)
    {
        RequireX64();
        var stat = stackalloc byte[StatSize];
        var name = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = name)
        {
            if (Syscall(SysLstat, (nint)p, (nint)stat) == 0)
            {
                return Kind(stat);
            }
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno is ENoEnt or ENotDir ? FileKind.Missing : throw new IOException($"cannot examine '{path}': {Marshal.GetPInvokeErrorMessage(errno)}");
    }

    private static unsafe FileKind KindOf(SafeFileHandle handle)
    {
        var stat = stackalloc byte[StatSize];
        if (Syscall(SysFstat, handle.DangerousGetHandle(), (nint)stat) != 0)
        {
            throw new IOException($"fstat failed: {Marshal.GetLastPInvokeErrorMessage()}");
        }

        return Kind(stat);
    }

    private static unsafe FileKind Kind(byte* stat) => (*(uint*)(stat + ModeOffset) & 0xF000) switch
    {
        0x8000 => FileKind.Regular,
        0x4000 => FileKind.Directory,
        0xA000 => FileKind.Symlink,
        0x1000 => FileKind.Fifo,
        0x2000 or 0x6000 => FileKind.Device,
        _ => FileKind.Socket,
    };

    /// <summary>The system call numbers and <c>struct stat</c>'s layout are those of x86_64, the one architecture the packages are built for.</summary>
    private static void RequireX64()
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            throw new PlatformNotSupportedException("etcd-backupd reads snapshot files with x86_64 system calls; this is " + RuntimeInformation.ProcessArchitecture);
        }
    }

    /// <summary>F_DUPFD_CLOEXEC: a duplicate no child process inherits.</summary>
    private static int Dup(int fd) => Fcntl(fd, FDupFdCloExec, 0);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, nint first, nint second);
}
