using System.Text;
using System.Text.Json;
using EtcdBackupd.Peers;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace EtcdBackupd.Restore;

/// <summary>
/// A peer master's daemon, reached through one <c>etcd-backupctl call -</c> kept running there over SSH
/// (the peer copies' key and pinned host key) for the whole restore: a request line in, answer lines
/// out. One process and one channel per member, not one per phase. The request names the snapshot by
/// file name: each member finds it in its own snapshot directory, where the push put it.
/// </summary>
internal sealed class RemoteMember : IRestoreMember
{
    private readonly PeerTarget _target;
    private readonly SshClient _ssh;
    private readonly SemaphoreSlim _one = new(1, 1);
    private (SshCommand Command, Task Running, Stream Input, StreamReader Output)? _channel;

    private RemoteMember(PeerTarget target, SshClient ssh)
    {
        _target = target;
        _ssh = ssh;
    }

    public string Name => _target.ToString();

    public static async Task<RemoteMember> ConnectAsync(PeerTarget target, PeersOptions options, ILogger logger, CancellationToken cancellationToken) =>
        new(target, await PeerSession.OpenAsync(target, options, logger, c => new SshClient(c), cancellationToken));

    /// <summary>
    /// Sends one request and reads until its final answer. A broken channel is not retried for this
    /// request (it may have run there); the next request opens a new one, so a rollback still gets through.
    /// </summary>
    public async Task<PhaseAnswer> CallAsync(RestorePhaseRequest request, CancellationToken cancellationToken)
    {
        await _one.WaitAsync(cancellationToken);
        try
        {
            var channel = _channel ??= Open();
            byte[] requestLine = [.. JsonSerializer.SerializeToUtf8Bytes(request, ProtocolJsonContext.Default.RestorePhaseRequest), (byte)'\n'];
            await channel.Input.WriteAsync(requestLine, cancellationToken);
            await channel.Input.FlushAsync(cancellationToken);
            while (await channel.Output.ReadLineAsync(cancellationToken).AsTask().WaitAsync(cancellationToken) is { } line)
            {
                var bytes = Encoding.UTF8.GetBytes(line);
                if (Answers.Head(bytes) is { Ok: not null })
                {
                    return PhaseAnswer.FromWire(Answers.Read(bytes, ProtocolJsonContext.Default.AnswerPhaseResult));
                }
            }

            await Close();
            return PhaseAnswer.Silent(
                $"'{CommandLine}' on {Name} ended without an answer: {channel.Command.ExitStatus?.ToString() ?? "no exit status"}, {channel.Command.Error.Trim()}");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            await Close();
            return PhaseAnswer.Silent($"over SSH to {Name}: {e.Message}");
        }
        catch
        {
            await Close();
            throw;
        }
        finally
        {
            _one.Release();
        }
    }

    private string CommandLine => $"{_target.Backupctl} --socket {Quote(_target.ControlSocket)} call -";

    private (SshCommand, Task, Stream, StreamReader) Open()
    {
        var command = _ssh.CreateCommand(CommandLine);
        var running = command.ExecuteAsync(CancellationToken.None);
        return (command, running, command.CreateInputStream(), new StreamReader(command.OutputStream, Encoding.UTF8));
    }

    /// <summary>Ends the remote process (end of its input) and forgets the channel.</summary>
    private async Task Close()
    {
        if (_channel is not { } channel)
        {
            return;
        }

        _channel = null;
        try
        {
            await channel.Input.DisposeAsync();
            await channel.Running.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is SshException or IOException or TimeoutException or ObjectDisposedException or InvalidOperationException)
        {
            // Gone already, or stuck: disposing the command below closes its channel either way.
        }

        channel.Output.Dispose();
        channel.Command.Dispose();
    }

    /// <summary>One POSIX shell word: single quotes, with each single quote closed, escaped and reopened.</summary>
    public static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    public async ValueTask DisposeAsync()
    {
        await Close();
        _ssh.Dispose();
        _one.Dispose();
    }
}
