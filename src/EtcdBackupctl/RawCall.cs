using System.CommandLine;
using System.Text;
using EtcdBackupd.Protocol;

namespace EtcdBackupctl;

/// <summary>
/// <c>call REQUEST</c>: one raw protocol request, every answer line printed as it comes. <c>call -</c>
/// reads one request per line from standard input until it ends, each on a fresh connection (a long
/// pause between requests must not meet the daemon's idle limit). The cluster restore's coordinator
/// keeps one <c>call -</c> open on each peer over SSH; an operator can send a request no other
/// command wraps (a stuck restore session's rollback, say).
/// </summary>
internal static class RawCall
{
    public static Command Create(Option<string> socket)
    {
        var line = new Argument<string>("request") { Description = "One request object in JSON, as in docs/control-protocol.md; - reads one per line from standard input" };
        var command = new Command("call", "Send raw control requests (JSON) and print every answer line") { line };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(socket)!;
            if (parse.GetValue(line) is not "-")
            {
                return await CallAsync(path, parse.GetValue(line)!, cancellationToken);
            }

            var exit = ExitCodes.Success;
            while (await Console.In.ReadLineAsync(cancellationToken) is { } request)
            {
                if (request.Length > 0)
                {
                    exit = await CallAsync(path, request, cancellationToken);
                }
            }

            return exit;
        });
        return command;
    }

    private static async Task<int> CallAsync(string socket, string text, CancellationToken cancellationToken)
    {
        var request = Encoding.UTF8.GetBytes(text);
        if (RequestParser.Command(request, out var problem) is null)
        {
            await Console.Out.WriteAsync(Encoding.UTF8.GetString(Reply.Failure(ErrorCodes.BadRequest, $"call needs one JSON object with a \"command\": {problem}").ToLine()));
            await Console.Error.WriteLineAsync($"etcd-backupctl: call needs one JSON object with a \"command\", e.g. '{{\"command\":\"status\"}}': {problem}");
            return ExitCodes.Usage;
        }

        try
        {
            // No timeout: the cluster restore's coordinator waits here for phases that take minutes, with deadlines of its own.
            var answer = await ControlClient.RequestAsync(socket, request, e => Console.WriteLine(Encoding.UTF8.GetString(e)), timeout: null, cancellationToken);
            Console.WriteLine(Encoding.UTF8.GetString(answer));
            return Answers.Head(answer) is { Ok: true } ? ExitCodes.Success
                : Answers.Head(answer)?.Error is { } error ? ErrorCodes.ExitCode(error.Code) : ExitCodes.Failed;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("etcd-backupctl: interrupted; etcd-backupd carries on with the request: follow it with journalctl -u etcd-backupd -f");
            return ExitCodes.Timeout;
        }
        catch (NoAnswerException e)
        {
            // A final line all the same: a reader of `call -` (the cluster restore's coordinator) must not wait for one
            // that never comes, and must tell a daemon that died mid-request from one that answered "failed".
            await Console.Out.WriteAsync(Encoding.UTF8.GetString(Reply.Failure(ErrorCodes.NoAnswer, e.Message).ToLine()));
            await Console.Error.WriteLineAsync($"etcd-backupctl: {e.Message}");
            return ExitCodes.Timeout;
        }
        catch (UnreachableException e)
        {
            // A daemon not running (yet: systemd restarts it) gave no answer, and may answer a retry; a socket this user
            // may not use never will, and the request certainly did not run.
            var code = e.InnerException is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AccessDenied }
                ? ErrorCodes.Failed : ErrorCodes.NoAnswer;
            await Console.Out.WriteAsync(Encoding.UTF8.GetString(Reply.Failure(code, e.Message).ToLine()));
            await Console.Error.WriteLineAsync($"etcd-backupctl: {e.Message}");
            return ExitCodes.Unreachable;
        }
    }
}
