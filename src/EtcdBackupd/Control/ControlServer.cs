using System.Net.Sockets;
using EtcdBackupd.Configuration;
using EtcdBackupd.FileSystem;
using Microsoft.Extensions.Hosting;

namespace EtcdBackupd.Control;

/// <summary>
/// The Unix stream socket at <c>Control.SocketPath</c>, mode 0660 and group <c>Control.Group</c>. Bound
/// in <see cref="StartAsync"/>, so systemd hears READY=1 only once clients can connect. Each connection
/// is served on its own task; a bounded number at once, so a flood of clients cannot exhaust the daemon.
/// </summary>
internal sealed class ControlServer(ControlOptions options, ControlDispatcher dispatcher, ILogger<ControlServer> logger) : IHostedService, IAsyncDisposable
{
    private const int MaxClients = 32;
    private readonly SemaphoreSlim _slots = new(MaxClients);
    private readonly CancellationTokenSource _stopping = new();
    private Socket? _listener;
    private Task _accepting = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Checked with the configuration, and again here: the path may have changed since.
        if (ControlOptions.CheckSocketPath(options.SocketPath) is { } problem)
        {
            throw new ConfigurationException($"Control.SocketPath: {problem}");
        }

        RemoveStaleSocket();
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(options.SocketPath));
        File.SetUnixFileMode(options.SocketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
        UnixGroups.SetGroup(options.SocketPath, options.GroupId);
        listener.Listen(64);
        _listener = listener;
        ControlLog.Listening(logger, options.SocketPath, options.Group);
        _accepting = AcceptAsync(listener, _stopping.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        _listener?.Dispose();
        await _accepting.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        // Only the socket this server bound: what it refused to replace at start-up stays.
        if (_listener is not null)
        {
            File.Delete(options.SocketPath);
        }
    }

    private async Task AcceptAsync(Socket listener, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                await _slots.WaitAsync(stopping);
                client = await listener.AcceptAsync(stopping);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException && stopping.IsCancellationRequested)
            {
                return;
            }

            _ = Task.Run(async () =>
            {
                try
                {
                    await new ControlSession(client, options, dispatcher, logger).RunAsync(stopping);
                }
                finally
                {
                    client.Dispose();
                    _slots.Release();
                }
            }, CancellationToken.None);
        }
    }

    /// <summary>A socket file left by a daemon that died; one that answers means another daemon runs.</summary>
    private void RemoveStaleSocket()
    {
        if (FileKinds.Of(options.SocketPath) != FileKind.Socket)
        {
            return;
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(options.SocketPath));
            throw new IOException($"Control.SocketPath '{options.SocketPath}' is in use: is another etcd-backupd running?");
        }
        catch (SocketException)
        {
            File.Delete(options.SocketPath);
        }
    }

    public ValueTask DisposeAsync()
    {
        _listener?.Dispose();
        _stopping.Dispose();
        _slots.Dispose();
        return ValueTask.CompletedTask;
    }
}
