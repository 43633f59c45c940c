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
    /// <summary>
    /// Tries of one request over a link that keeps breaking or to a daemon that gave no answer, with 1, 2, 3, 4, then 5 s
    /// between them (35 s in all, within the phase's deadline): a member's daemon restarted by systemd (RestartSec=10s) fits.
    /// </summary>
    public const int Attempts = 10;

    private readonly PeerTarget _target;
    private readonly PeersOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _one = new(1, 1);
    private SshClient _ssh;
    private (SshCommand Command, Task Running, Stream Input, StreamReader Output)? _channel;

    private RemoteMember(PeerTarget target, PeersOptions options, ILogger logger, SshClient ssh)
    {
        (_target, _options, _logger, _ssh) = (target, options, logger, ssh);
    }

    public string Name => _target.ToString();

    public static async Task<RemoteMember> ConnectAsync(PeerTarget target, PeersOptions options, ILogger logger, CancellationToken cancellationToken) =>
        new(target, options, logger, await PeerSession.OpenAsync(target, options, logger, c => new SshClient(c), cancellationToken));

    /// <summary>
    /// Sends one request and reads until its final answer. When the link breaks or the member's daemon
    /// does not answer, it reconnects and asks again: the member runs a phase once and answers a
    /// repeated one from its record (phases are idempotent), so asking again is safe. The phase's
    /// deadline (the token) bounds the whole.
    /// </summary>
    public async Task<PhaseAnswer> CallAsync(RestorePhaseRequest request, CancellationToken cancellationToken)
    {
        await _one.WaitAsync(cancellationToken);
        try
        {
            var answer = await TryOnceAsync(request, cancellationToken);
            for (var attempt = 2; !answer.Answered && attempt <= Attempts; attempt++)
            {
                RestoreLog.Retrying(_logger, Name, request.Phase.Wire(), answer.Error!.Message, attempt, Attempts);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(attempt - 1, 5)), cancellationToken);
                if (await ReconnectAsync(cancellationToken) is { } unreachable)
                {
                    answer = PhaseAnswer.Silent($"over SSH to {Name}: {unreachable}");
                    continue;
                }

                answer = await TryOnceAsync(request, cancellationToken);
            }

            return answer;
        }
        finally
        {
            _one.Release();
        }
    }

    /// <summary>A new SSH connection when the old one is gone; null when connected, else why not.</summary>
    private async Task<string?> ReconnectAsync(CancellationToken cancellationToken)
    {
        if (_ssh.IsConnected)
        {
            return null;
        }

        try
        {
            var fresh = await PeerSession.OpenAsync(_target, _options, _logger, c => new SshClient(c), cancellationToken);
            _ssh.Dispose();
            _ssh = fresh;
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return Peers.PeerErrors.Describe(e, _target.Directory);
        }
    }

    private async Task<PhaseAnswer> TryOnceAsync(RestorePhaseRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var channel = _channel ??= Open();
            byte[] requestLine = [.. JsonSerializer.SerializeToUtf8Bytes(request, ProtocolJsonContext.Default.RestorePhaseRequest), (byte)'\n'];
            await channel.Input.WriteAsync(requestLine, cancellationToken);
            await channel.Input.FlushAsync(cancellationToken);
            while (await channel.Output.ReadLineAsync(cancellationToken).AsTask().WaitAsync(cancellationToken) is { } line)
            {
                var bytes = Encoding.UTF8.GetBytes(line);
                if (Answers.Head(bytes) is { Ok: not null } head)
                {
                    // The member's daemon died mid-phase or is not running (yet): no answer from it, so ask again. The
                    // call - there lives on, and its next request reaches the daemon systemd starts again.
                    return head.Error?.Code == ErrorCodes.NoAnswer
                        ? PhaseAnswer.Silent($"{Name}'s daemon gave no answer: {head.Error.Message}")
                        : PhaseAnswer.FromWire(Answers.Read(bytes, ProtocolJsonContext.Default.AnswerPhaseResult));
                }
            }

            await Close();
            return PhaseAnswer.Silent(
                $"'{CommandLine}' on {Name} ended without an answer: {channel.Command.ExitStatus?.ToString() ?? "no exit status"}, {channel.Command.Error.Trim()}");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            await Close();
            return PhaseAnswer.Silent($"over SSH to {Name}: {Peers.PeerErrors.Describe(e, _target.Directory)}");
        }
        catch
        {
            await Close();
            throw;
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
