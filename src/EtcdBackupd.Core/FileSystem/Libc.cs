using System.Runtime.InteropServices;

namespace EtcdBackupd.FileSystem;

/// <summary>
/// The C library's file calls this folder makes where .NET has no equivalent: a directory opened to
/// fsync it, an open that refuses symlinks and does not block on a FIFO, <c>O_DIRECT</c> switched on an
/// open file, a duplicate no child inherits. Flag values are x86_64 Linux's, the one target the packages are built for.
/// </summary>
internal static partial class Libc
{
    public const int ORdOnly = 0, ONonBlock = 0x800, ODirect = 0x4000, ONoFollow = 0x20000, OCloExec = 0x80000;
    public const int ODirectory = 0x10000;
    public const int FGetFl = 3, FSetFl = 4, FDupFdCloExec = 1030;
    public const int LockEx = 2, LockNb = 4;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(int fd, int command, int argument);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    public static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    public static partial int Flock(int fd, int operation);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);
}
