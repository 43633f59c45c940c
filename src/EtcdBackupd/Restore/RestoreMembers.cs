using System.Text.Json.Nodes;
using EtcdBackupd.Control;
using EtcdBackupd.Peers;
using Microsoft.Extensions.Logging;
using Renci.SshNet;

namespace EtcdBackupd.Restore;

/// <summary>One member of a cluster restore, as the coordinator sees it: something that answers <c>restore-phase</c> requests.</summary>
internal interface IRestoreMember : IAsyncDisposable
{
    string Name { get; }

    /// <summary>Sends one control request; the answer is the protocol's final line (<c>ok</c> true or false), never an exception.</summary>
    Task<JsonObject> CallAsync(JsonObject request, CancellationToken cancellationToken);
}

/// <summary>The coordinator's own member, answered in-process.</summary>
internal sealed class LocalMember(MemberPhases phases, string snapshot) : IRestoreMember
{
    public string Name => "this master";

    public Task<JsonObject> CallAsync(JsonObject request, CancellationToken cancellationToken) => phases.RunAsync(snapshot, request, cancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>
/// A peer master's daemon, reached by running <c>etcd-backupctl call REQUEST</c> there over SSH with the
/// peer copies' key and pinned host key. The request names the snapshot by file name: each member finds
/// it in its own snapshot directory, where the push put it.
/// </summary>
internal sealed class RemoteMember : IRestoreMember
{
    private readonly PeerTarget _target;
    private readonly SshClient _ssh;

    private RemoteMember(PeerTarget target, SshClient ssh)
    {
        _target = target;
        _ssh = ssh;
    }

    public string Name => _target.ToString();

    public static async Task<RemoteMember> ConnectAsync(PeerTarget target, PeersOptions options, ILogger logger, CancellationToken cancellationToken) =>
        new(target, await PeerSession.OpenAsync(target, options, logger, c => new SshClient(c), cancellationToken));

    public async Task<JsonObject> CallAsync(JsonObject request, CancellationToken cancellationToken)
    {
        var line = $"{_target.Backupctl} --socket {Quote(_target.ControlSocket)} call {Quote(request.ToJsonString())}";
        try
        {
            using var command = _ssh.CreateCommand(line);
            await command.ExecuteAsync(cancellationToken);
            var answer = command.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(TryParse).LastOrDefault(m => m is not null && m.ContainsKey("ok"));
            return answer ?? ControlProtocol.Error(ControlProtocol.Codes.Failed,
                $"'{line}' on {Name} exited {command.ExitStatus?.ToString() ?? "?"} without an answer: {command.Error.Trim()}");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return ControlProtocol.Error(ControlProtocol.Codes.Failed, $"over SSH to {Name}: {e.Message}");
        }
    }

    private static JsonObject? TryParse(string line)
    {
        try
        {
            return JsonNode.Parse(line) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>One POSIX shell word: single quotes, with each single quote closed, escaped and reopened.</summary>
    public static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    public ValueTask DisposeAsync()
    {
        _ssh.Dispose();
        return ValueTask.CompletedTask;
    }
}
