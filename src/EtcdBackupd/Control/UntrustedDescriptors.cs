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
/// (<c>SO_LINGER</c> on, zero seconds, set again just before the close, which leaves a client sharing the socket little time
/// to set it back); every Unix socket is shut (no more can be sent to it, nor connected to it) and emptied, whatever it held
/// handled the same way, however deep, up to <see cref="Budget"/> descriptors; and the closes run on a few threads of their
/// own. One that still blocks (a file of a FUSE mount its owner hangs) holds one of them; only all of them held would leave
/// closes waiting, and descriptors open.
/// </summary>
internal static partial class UntrustedDescriptors
{
    private const int SolSocket = 1, SoType = 3, SoLinger = 13, SoAcceptConn = 30, SoDomain = 39, AfUnix = 1, SockStream = 1, ShutRdwr = 2;
    private const int FGetFl = 3, FSetFl = 4, ONonBlock = 0x800, SockNonBlockCloexec = 0x800 | 0x80000;

    /// <summary>Descriptors handled for one close at most, nested ones included: a client's own descriptor limit bounds what it can queue.</summary>
    private const int Budget = 65536;

    /// <summary>Messages, or waiting connections, taken from one socket at most: it was shut first, so only what was queued is there.</summary>
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
                    _ = ResetOnClose((int)handle.DangerousGetHandle());
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

    /// <summary>Starts the closing threads, once.</summary>
    public static void Start() => _ = Threads.Value;

    /// <summary>A descriptor a client sent, disarmed and closed off the caller's thread.</summary>
    public static void Close(SafeFileHandle descriptor)
    {
        var found = new List<SafeFileHandle>();
        if (!descriptor.IsInvalid && !descriptor.IsClosed)
        {
            Disarm((int)descriptor.DangerousGetHandle(), found);
        }

        // Queued only once every one is handled: a closer must not close a descriptor whose number is still in use here.
        found.ForEach(Enqueue);
        Enqueue(descriptor);
    }

    /// <summary>A client's connection: shut, its queue emptied of descriptors (each disarmed and closed), then closed off the caller's thread.</summary>
    public static void CloseConnection(Socket client)
    {
        var found = new List<SafeFileHandle>();
        try
        {
            Disarm((int)client.Handle, found);
        }
        catch (ObjectDisposedException)
        {
            // Already gone: nothing queued is left to take.
        }

        found.ForEach(Enqueue);
        Enqueue(client);
    }

    private static void Enqueue(IDisposable descriptor)
    {
        Start();
        Pending.Add(descriptor);
    }

    /// <summary>
    /// <paramref name="first"/> and everything it holds, breadth first: each socket set to reset on close, each Unix socket
    /// shut and emptied, a listening one's waiting connections accepted; what was taken goes to <paramref name="found"/>.
    /// </summary>
    private static void Disarm(int first, List<SafeFileHandle> found)
    {
        var work = new Queue<int>([first]);
        for (var handled = 0; work.Count > 0 && handled < Budget; handled++)
        {
            var fd = work.Dequeue();
            if (!ResetOnClose(fd) || Option(fd, SoDomain) != AfUnix)
            {
                // Not a socket (a file, a pipe: its close does not linger), or not one that can hold descriptors.
                continue;
            }

            var before = found.Count;
            if (Option(fd, SoAcceptConn) is not (null or 0))
            {
                _ = Shutdown(fd, ShutRdwr);
                AcceptWaiting(fd, found);
            }
            else if (Option(fd, SoType) == SockStream)
            {
                _ = Shutdown(fd, ShutRdwr);
                Empty(fd, stream: true, found);
            }
            else
            {
                // A datagram socket, once shut, reads 0 for an empty datagram and for an empty queue alike: emptied first,
                // to the end (EAGAIN), then shut. What a sender slips in between is all it can add.
                Empty(fd, stream: false, found);
                _ = Shutdown(fd, ShutRdwr);
            }

            for (var i = before; i < found.Count; i++)
            {
                work.Enqueue((int)found[i].DangerousGetHandle());
            }
        }
    }

    /// <summary>A listening socket's waiting connections, without waiting for more (the socket may be in blocking mode: it is made non-blocking).</summary>
    private static unsafe void AcceptWaiting(int listener, List<SafeFileHandle> found)
    {
        var flags = FileSystem.Libc.Fcntl(listener, FGetFl, 0);
        if (flags < 0 || FileSystem.Libc.Fcntl(listener, FSetFl, flags | ONonBlock) < 0)
        {
            return;
        }

        for (var i = 0; i < MaxMessages && Accept(listener, null, null, SockNonBlockCloexec) is var accepted and >= 0; i++)
        {
            found.Add(new SafeFileHandle(accepted, ownsHandle: true));
        }
    }

    /// <summary>
    /// Takes what is queued on <paramref name="fd"/> without waiting, the descriptors into <paramref name="found"/>, to the end of
    /// the queue (EAGAIN) or of a shut <paramref name="stream"/> (0 bytes, nothing attached; a datagram of 0 bytes is one more).
    /// </summary>
    private static void Empty(int fd, bool stream, List<SafeFileHandle> found)
    {
        var buffer = new byte[4096];
        for (var i = 0; i < MaxMessages; i++)
        {
            var before = found.Count;
            int read;
            try
            {
                read = DescriptorPassing.Receive(fd, buffer, found, out _);
            }
            catch (SocketException)
            {
                return;
            }

            if (read < 0 || (stream && read == 0 && found.Count == before))
            {
                return;
            }
        }
    }

    /// <summary>Sets <c>SO_LINGER</c> on, zero seconds: the close resets instead of waiting. False when it is no socket.</summary>
    private static unsafe bool ResetOnClose(int fd)
    {
        var linger = stackalloc int[] { 1, 0 };
        return SetSockOpt(fd, SolSocket, SoLinger, linger, 2 * sizeof(int)) == 0;
    }

    private static unsafe int? Option(int fd, int option)
    {
        int value;
        var length = sizeof(int);
        return GetSockOpt(fd, SolSocket, option, &value, &length) == 0 ? value : null;
    }

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    private static unsafe partial int SetSockOpt(int socket, int level, int option, void* value, int length);

    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    private static unsafe partial int GetSockOpt(int socket, int level, int option, void* value, int* length);

    [LibraryImport("libc", EntryPoint = "accept4", SetLastError = true)]
    private static unsafe partial int Accept(int socket, void* address, void* length, int flags);

    [LibraryImport("libc", EntryPoint = "shutdown", SetLastError = true)]
    private static partial int Shutdown(int socket, int how);
}
