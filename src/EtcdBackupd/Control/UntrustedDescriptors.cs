using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using EtcdBackupd.Protocol.Descriptors;
using Microsoft.Win32.SafeHandles;

namespace EtcdBackupd.Control;

/// <summary>
/// Closes what a client can hand the daemon: the descriptors it sent (SCM_RIGHTS) and its connection, whose unread queue
/// may hold more. A close can block: a TCP socket a client set to linger, with data its peer never reads, keeps the thread
/// that drops the last reference in <c>close</c> for as long as the client asked (measured: the linger time, to the second),
/// and a Unix socket dropped with such a socket in its queue does the same. Many at once on the thread pool starved the
/// daemon: no watchdog ping, no snapshot, no answer to root. So every socket among them is first made to close with a reset
/// (<c>SO_LINGER</c> on, zero seconds), a connection or Unix socket is shut and emptied first (two levels deep), and the
/// closes themselves run on one thread of their own, where one that still blocks (a file of a hung FUSE mount) holds up
/// only the closes after it.
/// </summary>
internal static partial class UntrustedDescriptors
{
    private const int SolSocket = 1, SoLinger = 13, SoDomain = 39, AfUnix = 1, ShutRdwr = 2;

    /// <summary>Queued Unix sockets are emptied this deep; a socket found deeper is still reset, not emptied.</summary>
    private const int MaxDepth = 2;

    /// <summary>Messages taken from one queue at most: its sender was shut out first, so only what was queued is there.</summary>
    private const int MaxMessages = 4096;

    private static readonly BlockingCollection<IDisposable> Pending = [];

    private static readonly Lazy<Thread> Closer = new(() =>
    {
        var thread = new Thread(() =>
        {
            foreach (var descriptor in Pending.GetConsumingEnumerable())
            {
                descriptor.Dispose();
            }
        })
        { IsBackground = true, Name = "descriptor closer" };
        thread.Start();
        return thread;
    });

    /// <summary>A descriptor a client sent, disarmed and closed off the caller's thread.</summary>
    public static void Close(SafeFileHandle descriptor)
    {
        if (!descriptor.IsInvalid && !descriptor.IsClosed)
        {
            Disarm((int)descriptor.DangerousGetHandle(), 0);
        }

        Enqueue(descriptor);
    }

    /// <summary>A client's connection: shut, its queue emptied of descriptors (each disarmed and closed), then closed off the caller's thread.</summary>
    public static void CloseConnection(Socket client)
    {
        try
        {
            client.Shutdown(SocketShutdown.Both);
            Empty((int)client.Handle, 0);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already gone: nothing queued is left to take.
        }

        Enqueue(client);
    }

    private static void Enqueue(IDisposable descriptor)
    {
        _ = Closer.Value;
        Pending.Add(descriptor);
    }

    /// <summary>A socket made to close with a reset; a Unix socket shut and emptied as a connection is.</summary>
    private static unsafe void Disarm(int fd, int depth)
    {
        var linger = stackalloc int[] { 1, 0 };
        if (SetSockOpt(fd, SolSocket, SoLinger, linger, 2 * sizeof(int)) != 0)
        {
            // Not a socket (ENOTSOCK): a file, a pipe; closing it does not linger.
            return;
        }

        int domain;
        var length = sizeof(int);
        if (depth < MaxDepth && GetSockOpt(fd, SolSocket, SoDomain, &domain, &length) == 0 && domain == AfUnix)
        {
            _ = Shutdown(fd, ShutRdwr);
            Empty(fd, depth + 1);
        }
    }

    /// <summary>Takes what is queued on <paramref name="fd"/> without waiting, each descriptor found disarmed and queued for closing.</summary>
    private static void Empty(int fd, int depth)
    {
        var buffer = new byte[4096];
        var found = new List<SafeFileHandle>();
        for (var i = 0; i < MaxMessages; i++)
        {
            int read;
            try
            {
                read = DescriptorPassing.Receive(fd, buffer, found, out _);
            }
            catch (SocketException)
            {
                return;
            }

            foreach (var descriptor in found)
            {
                Disarm((int)descriptor.DangerousGetHandle(), depth);
                Enqueue(descriptor);
            }

            found.Clear();
            if (read <= 0)
            {
                return;
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    private static unsafe partial int SetSockOpt(int socket, int level, int option, void* value, int length);

    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    private static unsafe partial int GetSockOpt(int socket, int level, int option, void* value, int* length);

    [LibraryImport("libc", EntryPoint = "shutdown", SetLastError = true)]
    private static partial int Shutdown(int socket, int how);
}
