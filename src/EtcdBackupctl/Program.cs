using System.CommandLine;
using System.Text.Json.Nodes;
using EtcdBackupd.Control;

namespace EtcdBackupctl;

/// <summary>
/// <c>etcd-backupctl [--socket PATH] COMMAND [--json]</c>. Exit codes: 0 success, 1 the operation
/// failed or was refused, 2 usage, 3 the daemon is unreachable.
/// </summary>
internal static class Program
{
    private static readonly System.Text.Json.JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static async Task<int> Main(string[] args)
    {
        var socket = new Option<string>("--socket") { Description = "The daemon's control socket", DefaultValueFactory = _ => ControlProtocol.DefaultSocketPath, Recursive = true };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON, for scripts", Recursive = true };
        var root = new RootCommand("etcd-backupctl: ad-hoc snapshots, status, verification and restore through the local etcd-backupd.") { socket, json };

        Add(root, "status", "Is the cluster backed up? etcd's health, the last and next snapshot, the peers' copies", socket, json);
        Add(root, "snapshot", "Take a snapshot now (joins one already running) and copy it to the peers", socket, json);
        Add(root, "list", "Snapshots in the daemon's directory, newest first, with their verification state", socket, json);
        Add(root, "peers", "Check that every peer is reachable with its pinned host key", socket, json);
        var file = new Argument<string>("file") { Description = "A snapshot file (name or path) in the snapshot directory" };
        Add(root, "verify", "Check a snapshot's SHA-256 trailer and its manifest", socket, json, file);
        var dryRun = new Option<bool>("--dry-run") { Description = "Only say what would be deleted (allowed to the control group; a real prune needs root)" };
        Add(root, "prune", "Apply the retention rule now", socket, json, dryRun: dryRun);
        var restoreFile = new Argument<string>("file") { Description = "The snapshot to restore (a name in the snapshot directory)" };
        var yes = new Option<bool>("--yes") { Description = "Confirm: the API servers and etcd on this member stop and its data is replaced (the old directory is kept)" };
        var plan = new Option<bool>("--dry-run") { Description = "Print the plan and the exact restore command (per member with --cluster); change nothing" };
        var cluster = new Option<bool>("--cluster") { Description = "Restore every master (this one and Peers.Targets) from the same snapshot, phase by phase, rolling all back on failure" };
        Add(root, "restore", "Restore this member, or with --cluster every member, from a snapshot, in the runbook's order, rolling back on failure (root only)",
            socket, json, restoreFile, plan, yes, cluster);
        AddCall(root, socket);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0 || parsed.CommandResult.Command == root && !parsed.Tokens.Any(t => t.Value is "--help" or "-h" or "-?" or "--version"))
        {
            foreach (var error in parsed.Errors)
            {
                await Console.Error.WriteLineAsync($"etcd-backupctl: {error.Message}");
            }

            await Console.Error.WriteLineAsync("usage: etcd-backupctl [--socket PATH] {status|snapshot|list|verify FILE|prune [--dry-run]|peers|restore FILE [--cluster]|call REQUEST} [--json]");
            return 2;
        }

        return await parsed.InvokeAsync();
    }

    private static void Add(RootCommand root, string name, string description, Option<string> socket, Option<bool> json,
        Argument<string>? file = null, Option<bool>? dryRun = null, Option<bool>? yes = null, Option<bool>? cluster = null)
    {
        var command = new Command(name, description);
        if (file is not null)
        {
            command.Arguments.Add(file);
        }

        if (dryRun is not null)
        {
            command.Options.Add(dryRun);
        }

        if (yes is not null)
        {
            command.Options.Add(yes);
        }

        if (cluster is not null)
        {
            command.Options.Add(cluster);
        }

        command.SetAction((parse, cancellationToken) =>
        {
            var request = new JsonObject { ["command"] = name };
            if (file is not null)
            {
                request["file"] = parse.GetValue(file);
            }

            if (dryRun is not null)
            {
                request["dryRun"] = parse.GetValue(dryRun);
            }

            if (yes is not null)
            {
                request["yes"] = parse.GetValue(yes);
            }

            if (cluster is not null)
            {
                request["cluster"] = parse.GetValue(cluster);
            }

            return RunAsync(parse.GetValue(socket)!, request, parse.GetValue(json), cancellationToken);
        });
        root.Subcommands.Add(command);
    }

    /// <summary>
    /// <c>call REQUEST</c>: one raw protocol request, every answer line printed as it comes. <c>call -</c>
    /// reads one request per line from standard input until it ends, each on a fresh connection (a long
    /// pause between requests must not meet the daemon's idle limit). The cluster restore's coordinator
    /// keeps one <c>call -</c> open on each peer over SSH; an operator can send a request no other
    /// command wraps (a stuck restore session's rollback, say).
    /// </summary>
    private static void AddCall(RootCommand root, Option<string> socket)
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

            var exit = 0;
            while (await Console.In.ReadLineAsync(cancellationToken) is { } request)
            {
                if (request.Length > 0)
                {
                    exit = await CallAsync(path, request, cancellationToken);
                }
            }

            return exit;
        });
        root.Subcommands.Add(command);
    }

    private static async Task<int> CallAsync(string socket, string text, CancellationToken cancellationToken)
    {
        if (TryParseRequest(text) is not { } request)
        {
            Console.WriteLine(ControlProtocol.Error(ControlProtocol.Codes.BadRequest, "call needs one JSON object with a \"command\"").ToJsonString());
            await Console.Error.WriteLineAsync("etcd-backupctl: call needs one JSON object with a \"command\", e.g. '{\"command\":\"status\"}'");
            return 2;
        }

        try
        {
            var answer = await ControlClient.RequestAsync(socket, request, e => Console.WriteLine(e.ToJsonString()), cancellationToken);
            Console.WriteLine(answer.ToJsonString());
            return answer["ok"]?.GetValue<bool>() == true ? 0 : 1;
        }
        catch (UnreachableException e)
        {
            Console.WriteLine(ControlProtocol.Error(ControlProtocol.Codes.Failed, e.Message).ToJsonString());
            await Console.Error.WriteLineAsync($"etcd-backupctl: {e.Message}");
            return 3;
        }
    }

    private static JsonObject? TryParseRequest(string text)
    {
        try
        {
            return JsonNode.Parse(text) is JsonObject request && request["command"] is JsonValue ? request : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static async Task<int> RunAsync(string socket, JsonObject request, bool json, CancellationToken cancellationToken)
    {
        var command = request["command"]!.GetValue<string>();
        using var progress = new ProgressBar(enabled: !Console.IsErrorRedirected);
        JsonObject answer;
        try
        {
            answer = await ControlClient.RequestAsync(socket, request, progress.Show, cancellationToken);
        }
        catch (UnreachableException e)
        {
            progress.Clear();
            await Console.Error.WriteLineAsync($"etcd-backupctl: {e.Message}");
            return 3;
        }

        progress.Clear();
        if (answer["ok"]?.GetValue<bool>() != true)
        {
            var code = answer["error"]?["code"]?.GetValue<string>() ?? ControlProtocol.Codes.Failed;
            await Console.Error.WriteLineAsync($"etcd-backupctl: {command} failed ({code}): {answer["error"]?["message"]?.GetValue<string>()}");
            return code is ControlProtocol.Codes.BadRequest or ControlProtocol.Codes.UnknownCommand ? 2 : 1;
        }

        await Console.Out.WriteAsync(json
            ? answer["result"]?.ToJsonString(Indented) + "\n"
            : Render.Result(command, answer["result"]));
        return 0;
    }
}
