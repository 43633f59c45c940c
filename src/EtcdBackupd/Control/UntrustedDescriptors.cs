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
/// (<c>SO_LINGER</c> on, zero seconds, set again just before the close, so a client sharing the socket has no time to set it
/// back), a connection or Unix socket is shut and emptied first (as deep as the kernel lets sockets nest, a listening one's
/// waiting connections too), and the closes themselves run on a few threads of their own. One that still blocks (a file of
/// a FUSE mount its owner hangs) holds one of them; only all of them held would leave closes waiting, and descriptors open.
/// </summary>
internal static partial class UntrustedDescriptors
{
    private const int SolSocket = 1, SoLinger = 13, SoAcceptConn = 30, SoDomain = 39, AfUnix = 1, ShutRdwr = 2;

    /// <summary>Queued Unix sockets are emptied this deep (the kernel's own limit on sockets passed inside sockets is 4).</summary>
    private const int MaxDepth = 5;

    /// <summary>Messages taken from one queue at most: its sender was shut out first, so only what was queued is there.</summary>
    private const int MaxMessages = 4096;

    /// <summary>Threads that close: each one a close can hold is one the daemon's thread pool keeps.</summary>
    private const int Closers = 4;

    private static readonly BlockingCollection<IDisposable> Pending = [];

    private static readonly Lazy<Thread[]> Threads = new(() => [.. Enumerable.Range(0, Closers).Select(i =>
    {
        var thread = new Thread(CloseAll) { IsBackground = true, Name = $"descriptor closer {i}" };
        thread.Start();
        return thread;
    })]);

    private static void CloseAll()
    {
        foreach (var descriptor in Pending.GetConsumingEnumerable())
        {
            try
            {
                // Again here: between the first disarming and now, a client holding the same socket may have armed it again.
                if (descriptor is SafeFileHandle { IsInvalid: false, IsClosed: false } handle)
                {
                    Disarm((int)handle.DangerousGetHandle(), MaxDepth);
                }

                descriptor.Dispose();
            }
#pragma warning disable CA1031 // A close that fails has nothing to report to anyone; the closer must go on.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
    }

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
        _ = Threads.Value;
        Pending.Add(descriptor);
    }

    /// <summary>A socket made to close with a reset; a Unix socket shut and emptied as a connection is, a listening one's waiting connections too.</summary>
    private static unsafe void Disarm(int fd, int depth)
    {
        var linger = stackalloc int[] { 1, 0 };
        if (SetSockOpt(fd, SolSocket, SoLinger, linger, 2 * sizeof(int)) != 0)
        {
            // Not a socket (ENOTSOCK): a file, a pipe; closing it does not linger.
            return;
        }

        int domain, listening;
        var length = sizeof(int);
        if (depth >= MaxDepth || GetSockOpt(fd, SolSocket, SoDomain, &domain, &length) != 0 || domain != AfUnix)
        {
            return;
        }

        length = sizeof(int);
        if (GetSockOpt(fd, SolSocket, SoAcceptConn, &listening, &length) == 0 && listening != 0)
        {
            // Its waiting connections, each with a queue of its own, would be released with it.
            for (var i = 0; i < MaxMessages && Accept(fd, null, null, SockNonBlockCloexec) is var accepted and >= 0; i++)
            {
                var connection = new SafeFileHandle(accepted, ownsHandle: true);
                Disarm(accepted, depth + 1);
                Enqueue(connection);
            }

            return;
        }

        _ = Shutdown(fd, ShutRdwr);
        Empty(fd, depth + 1);
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

            var any = found.Count > 0;
            foreach (var descriptor in found)
            {
                Disarm((int)descriptor.DangerousGetHandle(), depth);
                Enqueue(descriptor);
            }

            found.Clear();
            // Nothing there (-1), or the end of a stream (0, nothing attached); a datagram of no bytes may still carry descriptors.
            if (read < 0 || (read == 0 && !any))
            {
                return;
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    private static unsafe partial int SetSockOpt(int socket, int level, int option, void* value, int length);

    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    private static unsafe partial int GetSockOpt(int socket, int level, int option, void* value, int* length);

    private const int SockNonBlockCloexec = 0x800 | 0x80000;

    [LibraryImport("libc", EntryPoint = "accept4", SetLastError = true)]
    private static unsafe partial int Accept(int socket, void* address, void* length, int flags);

    [LibraryImport("libc", EntryPoint = "shutdown", SetLastError = true)]
    private static partial int Shutdown(int socket, int how);
}
