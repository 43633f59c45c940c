using EtcdBackupd.Configuration;
using EtcdBackupd.Peers;

namespace EtcdBackupd.Control.Handlers;

/// <summary><c>peers</c>: every peer reachable, its host key as pinned, its directory there. Root and <c>Control.Group</c>.</summary>
internal sealed class PeersHandler(Live<PeersOptions> livePeers, ILogger<PeersHandler> logger) : ControlHandler<PeersRequest>(ProtocolJsonContext.Default.PeersRequest)
{
    private PeersOptions peers => livePeers.Current;

    public override string Name => PeersRequest.Name;

    protected override async Task<Reply> RunAsync(PeersRequest arguments, ControlCall call, CancellationToken cancellationToken)
    {
        var checks = new List<PeerCheck>();
        foreach (var target in peers.Targets)
        {
            checks.Add(await CheckAsync(target, cancellationToken));
        }

        return Reply.Success<IReadOnlyList<PeerCheck>>(checks, ProtocolJsonContext.Default.IReadOnlyListPeerCheck);
    }

    private async Task<PeerCheck> CheckAsync(PeerTarget target, CancellationToken cancellationToken)
    {
        var check = new PeerCheck { Host = target.Host, Port = target.Port, User = target.User, Directory = target.Directory, Reachable = false };
        try
        {
            await using var session = await PeerSession.ConnectAsync(target, peers, logger, cancellationToken);
            return check with { Reachable = true, HostKey = HostKeyState.Ok, DirectoryExists = await session.Sftp.ExistsAsync(target.Directory, cancellationToken) };
        }
        catch (HostKeyRefusedException e)
        {
            return check with { Reachable = true, HostKey = HostKeyState.Refused, Error = e.Message };
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return check with { Error = e.Message };
        }
    }
}
