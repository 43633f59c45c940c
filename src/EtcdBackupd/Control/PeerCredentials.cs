using System.Buffers.Binary;
using System.Net.Sockets;

namespace EtcdBackupd.Control;

/// <summary>Who is on the other end of a Unix socket, as the kernel says (SO_PEERCRED), not as the client claims.</summary>
internal sealed record PeerCredentials(int Pid, int Uid, int Gid)
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;
    private const int SoPeerGroups = 59;
    private const int NgroupsMax = 65536;

    /// <summary>
    /// The peer's supplementary groups as the kernel recorded them at connect (SO_PEERGROUPS, Linux 4.13+);
    /// null on older kernels, where /proc is read instead. Under the unit's ProtectProc=invisible, without
    /// CAP_SYS_PTRACE, another user's /proc entry is hidden from the daemon, so /proc alone found no groups
    /// and every member by a supplementary group, the usual case, was refused.
    /// </summary>
    public IReadOnlySet<int>? Groups { get; init; }

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
            BinaryPrimitives.ReadInt32LittleEndian(ucred[8..]))
        {
            Groups = PeerGroups(socket),
        };
    }

    /// <summary>Root, or a member of <c>Control.Group</c> (primary or supplementary group of the calling process).</summary>
    public bool MayRead(ControlOptions options) =>
        IsRoot || Gid == options.GroupId || (Groups ?? UnixGroups.OfProcess(Pid)).Contains(options.GroupId);

    private static HashSet<int>? PeerGroups(Socket socket)
    {
        // Most callers have a few groups; a buffer for the kernel's most is the retry when they do not fit (ERANGE).
        foreach (var count in (int[])[64, NgroupsMax])
        {
            var buffer = new byte[count * sizeof(int)];
            try
            {
                var length = socket.GetRawSocketOption(SolSocket, SoPeerGroups, buffer);
                var groups = new HashSet<int>();
                for (var offset = 0; offset + sizeof(int) <= length; offset += sizeof(int))
                {
                    groups.Add(BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(offset)));
                }

                return groups;
            }
            catch (SocketException e) when (e.SocketErrorCode != SocketError.ProtocolOption && count < NgroupsMax)
            {
                // ERANGE: too small for this caller's groups; try the largest.
            }
            catch (SocketException)
            {
                // ENOPROTOOPT: a kernel before 4.13.
                return null;
            }
        }

        return null;
    }
}
