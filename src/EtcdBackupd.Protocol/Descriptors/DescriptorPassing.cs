using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace EtcdBackupd.Protocol.Descriptors;

/// <summary>
/// An open file handed from the CLI to the daemon over the control socket (SCM_RIGHTS): the caller opens
/// it with its own permissions, so the sandboxed daemon reads what it could not open itself, and only
/// that. .NET has no managed API for ancillary data, hence <c>sendmsg</c>/<c>recvmsg</c> here; the
/// layouts are those of 64-bit Linux (x86_64 and aarch64 agree): <c>struct msghdr</c> is 56 bytes,
/// <c>struct cmsghdr</c> 16, one descriptor's control message 24 (CMSG_SPACE(4)).
/// </summary>
internal static unsafe partial class DescriptorPassing
{
    /// <summary>A request takes this many descriptors at most: more than one is refused, and a few let the refusal count them.</summary>
    public const int MaxReceived = 4;

    /// <summary>
    /// Room for as many as one message can carry (the kernel's SCM_MAX_FD): descriptors that do not fit are closed by the
    /// kernel inside the reader's own <c>recvmsg</c>, and the close of a socket a client made linger blocks the thread that makes it.
    /// </summary>
    private const int MaxPerMessage = 253;

    private const int SolSocket = 1, ScmRights = 1;
    private const int MsgCtrunc = 0x8, MsgDontWait = 0x40, MsgNoSignal = 0x4000, MsgCmsgCloexec = 0x40000000;
    private const int EAgain = 11, EIntr = 4;
    private const int CmsgHeader = 16;

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public byte* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public byte* Control;
        public nuint ControlLength;
        public int Flags;
    }

    /// <summary>
    /// Sends <paramref name="data"/> with <paramref name="files"/> attached to its first byte, waiting while
    /// the socket's buffer is full; returns how many bytes went (the rest goes as ordinary data). The CLI
    /// sends one file; the tests send two, to see them refused.
    /// </summary>
    public static int Send(Socket socket, ReadOnlySpan<byte> data, params ReadOnlySpan<SafeHandle> files)
    {
        var payload = files.Length * sizeof(int);
        var space = CmsgHeader + ((payload + 7) & ~7);
        var control = stackalloc byte[space];
        new Span<byte>(control, space).Clear();
        *(nuint*)control = (nuint)(CmsgHeader + payload);
        *(int*)(control + 8) = SolSocket;
        *(int*)(control + 12) = ScmRights;
        for (var i = 0; i < files.Length; i++)
        {
            // The caller holds the handles open until the call returns.
            *(int*)(control + CmsgHeader + (i * sizeof(int))) = (int)files[i].DangerousGetHandle();
        }

        fixed (byte* bytes = data)
        {
            var iov = new IoVec { Base = bytes, Length = (nuint)data.Length };
            var message = new MsgHdr { Iov = &iov, IovLength = 1, Control = control, ControlLength = (nuint)space };
            while (true)
            {
                var sent = SendMsg((int)socket.Handle, &message, MsgNoSignal);
                if (sent >= 0)
                {
                    return (int)sent;
                }

                var errno = Marshal.GetLastPInvokeError();
                if (errno is not (EAgain or EIntr))
                {
                    throw new SocketException(errno);
                }

                // A non-blocking socket with a full buffer: the daemon reads soon, or the client's timeout ends it.
                Thread.Sleep(10);
            }
        }
    }

    /// <summary>
    /// Reads what is there without waiting, taking any descriptors that came with it (close-on-exec, so no
    /// child process inherits them) into <paramref name="received"/>. Returns the bytes read (0 at the end
    /// of the stream), or -1 when nothing is there yet. <paramref name="truncated"/> says descriptors were
    /// dropped by the kernel for want of room.
    /// </summary>
    public static int Receive(Socket socket, Span<byte> buffer, List<SafeFileHandle> received, out bool truncated) =>
        Receive((int)socket.Handle, buffer, received, out truncated);

    /// <inheritdoc cref="Receive(Socket, Span{byte}, List{SafeFileHandle}, out bool)"/>
    public static int Receive(int socket, Span<byte> buffer, List<SafeFileHandle> received, out bool truncated)
    {
        const int space = CmsgHeader + ((MaxPerMessage * sizeof(int) + 7) & ~7);
        var control = stackalloc byte[space];
        truncated = false;
        fixed (byte* bytes = buffer)
        {
            var iov = new IoVec { Base = bytes, Length = (nuint)buffer.Length };
            var message = new MsgHdr { Iov = &iov, IovLength = 1, Control = control, ControlLength = space };
            var read = RecvMsg(socket, &message, MsgDontWait | MsgCmsgCloexec);
            if (read < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                return errno is EAgain or EIntr ? -1 : throw new SocketException(errno);
            }

            truncated = (message.Flags & MsgCtrunc) != 0;
            TakeDescriptors(control, (int)message.ControlLength, received);
            return (int)read;
        }
    }

    /// <summary>Every SCM_RIGHTS descriptor in the control messages, each owned by a handle from now on.</summary>
    private static void TakeDescriptors(byte* control, int length, List<SafeFileHandle> received)
    {
        var offset = 0;
        while (offset + CmsgHeader <= length)
        {
            var cmsgLength = (int)*(nuint*)(control + offset);
            if (cmsgLength < CmsgHeader || offset + cmsgLength > length)
            {
                return;
            }

            if (*(int*)(control + offset + 8) == SolSocket && *(int*)(control + offset + 12) == ScmRights)
            {
                for (var at = CmsgHeader; at + sizeof(int) <= cmsgLength; at += sizeof(int))
                {
                    received.Add(new SafeFileHandle(*(int*)(control + offset + at), ownsHandle: true));
                }
            }

            offset += (cmsgLength + 7) & ~7;
        }
    }

    [LibraryImport("libc", EntryPoint = "sendmsg", SetLastError = true)]
    private static partial nint SendMsg(int socket, MsgHdr* message, int flags);

    [LibraryImport("libc", EntryPoint = "recvmsg", SetLastError = true)]
    private static partial nint RecvMsg(int socket, MsgHdr* message, int flags);
}
