using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace EtcdBackupd.Protocol.Descriptors;

/// <summary>
/// Opens a file as the caller, to send it (<see cref="DescriptorPassing"/>): read-only, close-on-exec and
/// non-blocking, so a FIFO does not hang the CLI either; what it is, the daemon decides with <c>fstat</c>.
/// </summary>
internal static partial class CallerFile
{
    private const int ORdOnly = 0, ONonBlock = 0x800, OCloExec = 0x80000;

    private const int EPerm = 1, EAccess = 13;

    /// <summary>The open file, or null with the system's reason (no such file, permission denied).</summary>
    public static SafeFileHandle? TryOpen(string path, out string? problem) => TryOpen(path, out problem, out _);

    /// <summary>As <see cref="TryOpen(string, out string?)"/>; <paramref name="denied"/>: the file may be there, the caller may not open it.</summary>
    public static SafeFileHandle? TryOpen(string path, out string? problem, out bool denied)
    {
        var fd = Open(path, ORdOnly | ONonBlock | OCloExec);
        if (fd < 0)
        {
            denied = Marshal.GetLastPInvokeError() is EPerm or EAccess;
            problem = Marshal.GetLastPInvokeErrorMessage();
            return null;
        }

        (problem, denied) = (null, false);
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);
}
