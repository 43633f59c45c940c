using System.Net;
using System.Net.Sockets;

namespace EtcdBackupd.Tests.Support;

/// <summary>A loopback TCP listener that accepts every connection and never says a word: a peer or an etcd that hangs.</summary>
internal sealed class SilentPeer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, EtcdCluster.FreePort());
    private readonly List<Socket> _accepted = [];
    private readonly CancellationTokenSource _stop = new();
    private Task _accepting = Task.CompletedTask;

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Accepted
    {
        get
        {
            lock (_accepted)
            {
                return _accepted.Count;
            }
        }
    }

    public static SilentPeer Start()
    {
        var peer = new SilentPeer();
        peer._listener.Start();
        peer._accepting = peer.AcceptAsync();
        return peer;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _accepting;
        _listener.Stop();
        lock (_accepted)
        {
            _accepted.ForEach(s => s.Dispose());
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                lock (_accepted)
                {
                    _accepted.Add(socket);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed.
        }
    }
}
