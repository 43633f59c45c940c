using System.Buffers.Binary;
using System.Net.Sockets;

namespace EtcdBackupd.Control;

/// <summary>Who is on the other end of a Unix socket, as the kernel says (SO_PEERCRED), not as the client claims.</summary>
internal sealed record PeerCredentials(int Pid, int Uid, int Gid)
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;

    public bool IsRoot => Uid == 0;

    public static PeerCredentials Of(Socket socket)
    {
        Span<byte> ucred = stackalloc byte[12];
        var length = socket.GetRawSocketOption(SolSocket, SoPeerCred, ucred);
        if (length < 12)
        {
            throw new SocketException((int)SocketError.ProtocolNotSupported);
        }

        return new PeerCredentials(
            BinaryPrimitives.ReadInt32LittleEndian(ucred),
            BinaryPrimitives.ReadInt32LittleEndian(ucred[4..]),
            BinaryPrimitives.ReadInt32LittleEndian(ucred[8..]));
    }

    /// <summary>Root, or a member of <c>Control.Group</c> (primary or supplementary group of the calling process).</summary>
    public bool MayRead(ControlOptions options) =>
        IsRoot || Gid == options.GroupId || UnixGroups.OfProcess(Pid).Contains(options.GroupId);
}
