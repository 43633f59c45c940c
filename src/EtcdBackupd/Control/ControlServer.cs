using System.Net.Sockets;
using EtcdBackupd.Configuration;
using EtcdBackupd.FileSystem;
using Microsoft.Extensions.Hosting;

namespace EtcdBackupd.Control;

/// <summary>
/// The Unix stream socket at <c>Control.SocketPath</c>, mode 0660 and group <c>Control.Group</c>. Bound
/// in <see cref="StartAsync"/>, so systemd hears READY=1 only once clients can connect. Every connection
/// is accepted at once and served on its own task if <see cref="ControlAdmission"/> gives it a slot, else
/// answered <c>busy</c>: a flood of clients can neither exhaust the daemon nor keep root out. Stopping
/// waits for the requests under way to answer (a snapshot aborted by the stop answers <c>stopping</c>).
/// </summary>
internal sealed class ControlServer(ControlOptions options, ControlDispatcher dispatcher, ControlJournalBudget journal, ILogger<ControlServer> logger) : IHostedService, IAsyncDisposable
{
    /// <summary>Clients wait in the kernel's queue rather than fail; the kernel caps it at net.core.somaxconn.</summary>
    private const int Backlog = 4096;

    private static readonly TimeSpan SessionsAtStop = TimeSpan.FromSeconds(30);

    private readonly ControlAdmission _admission = new(options);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Task, byte> _sessions = new();
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
        listener.Listen(Backlog);
        _listener = listener;
        // Its closing threads from the start, as the daemon's other threads: a count of threads read later measures clients.
        UntrustedDescriptors.Start();
        ControlLog.Listening(logger, options.SocketPath, options.Group);
        _accepting = AcceptAsync(listener, _stopping.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        _listener?.Dispose();
        await _accepting.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        // Requests under way answer before the socket goes (a restore's final line above all). The host's own
        // shutdown time may be spent already (a restore held the stop): this wait has its own bound.
        await Task.WhenAll(_sessions.Keys).WaitAsync(SessionsAtStop, CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
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
                client = await listener.AcceptAsync(stopping);
            }
            catch (Exception e) when ((e is OperationCanceledException or ObjectDisposedException or SocketException) && stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException e)
            {
                // Out of descriptors under a flood, say: the socket must keep serving once it passes.
                ControlLog.AcceptFailed(logger, e.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None);
                continue;
            }

            var session = Task.Run(() => ServeAsync(client, stopping), CancellationToken.None);
            _sessions.TryAdd(session, 0);
            _ = session.ContinueWith(done => _sessions.TryRemove(done, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(Socket client, CancellationToken stopping)
    {
        // Closed as a client's descriptors are: its queue may hold some no one read (UntrustedDescriptors).
        try
        {
            PeerCredentials peer;
            try
            {
                peer = PeerCredentials.Of(client);
            }
            catch (SocketException)
            {
                return;
            }

            if (!peer.MayRead(options))
            {
                if (journal.Allows(peer))
                {
                    ControlLog.Refused(logger, peer.Uid, peer.Pid, "connect", $"not root and not in group {options.Group}");
                }

                await RefuseAsync(client, Reply.Failure(ErrorCodes.Forbidden, $"uid {peer.Uid} is neither root nor in group {options.Group}"));
                return;
            }

            using var slot = _admission.TryAdmit(peer, out var refusal);
            if (slot is null)
            {
                if (journal.Allows(peer))
                {
                    ControlLog.Busy(logger, peer.Uid, peer.Pid, refusal!);
                }

                await RefuseAsync(client, Reply.Failure(ErrorCodes.Busy, refusal!));
                return;
            }

            await new ControlSession(client, peer, options, dispatcher, journal, logger).RunAsync(stopping);
        }
        finally
        {
            UntrustedDescriptors.CloseConnection(client);
        }
    }

    /// <summary>One error line, then the connection closes; a client that does not read it loses it.</summary>
    private async Task RefuseAsync(Socket client, Reply reply)
    {
        await using var output = new ConnectionWriter(client, options.WriteDeadline);
        await output.AnswerAsync(reply);
    }

    /// <summary>A socket file left by a daemon that died; one that answers means another daemon runs.</summary>
    private void RemoveStaleSocket()
    {
        if (RegularFile.KindOf(options.SocketPath) != FileKind.Socket)
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
        return ValueTask.CompletedTask;
    }
}
