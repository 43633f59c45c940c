using System.CommandLine;
using EtcdBackupd.Protocol;
using EtcdBackupd.Protocol.Requests;

namespace EtcdBackupctl;

/// <summary>
/// <c>etcd-backupctl [--socket PATH] COMMAND [--json]</c>. Exit codes: <see cref="ExitCodes"/> (0 success,
/// 1 failed or refused or a problem listed, 2 usage, 3 the daemon is unreachable, 5 saved but a copy failed).
/// </summary>
internal static class Program
{
    private const string Usage =
        "usage: etcd-backupctl [--socket PATH] [--timeout SECONDS] {status|snapshot|list|verify FILE|prune [--dry-run]|peers|check|restore FILE [--cluster] [--dry-run] [--yes]|call REQUEST} [--json]";

    public static async Task<int> Main(string[] args)
    {
        var socket = new Option<string>("--socket") { Description = "The daemon's control socket", DefaultValueFactory = _ => ControlFraming.DefaultSocketPath, Recursive = true };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON, for scripts", Recursive = true };
        var timeout = new Option<int>("--timeout")
        {
            Description = "Seconds to wait for the daemon's next line (it sends one at least every 5 s while it works); past it, exit 4. 0 waits for ever",
            DefaultValueFactory = _ => 30, Recursive = true,
        };
        var root = new RootCommand("etcd-backupctl: ad-hoc snapshots, status, verification and restore through the local etcd-backupd.") { socket, json, timeout };
        var cli = new Cli(socket, json, timeout);

        root.Subcommands.Add(cli.Simple(StatusRequest.Name, "Is the cluster backed up? etcd's health, the last and next snapshot, the peers' copies",
            new StatusRequest(), ProtocolJsonContext.Default.StatusRequest, Results.Status));
        root.Subcommands.Add(cli.Simple(SnapshotRequest.Name, "Take a snapshot now (joins one already running) and copy it to the peers",
            new SnapshotRequest(), ProtocolJsonContext.Default.SnapshotRequest, Results.Snapshot));
        root.Subcommands.Add(cli.Simple(ListRequest.Name, "Snapshots in the daemon's directory, newest first, with their verification state",
            new ListRequest(), ProtocolJsonContext.Default.ListRequest, Results.List));
        root.Subcommands.Add(cli.Simple(PeersRequest.Name, "Check that every peer is reachable with its pinned host key",
            new PeersRequest(), ProtocolJsonContext.Default.PeersRequest, Results.Peers));
        root.Subcommands.Add(cli.Simple(CheckRequest.Name,
            "Preflight: the configuration, TLS, etcd, the snapshot directory, each peer and the restore, checked by the daemon; exit 0 only when all pass",
            new CheckRequest(), ProtocolJsonContext.Default.CheckRequest, Results.Check));
        root.Subcommands.Add(cli.Verify());
        root.Subcommands.Add(cli.Prune());
        root.Subcommands.Add(cli.Restore());
        root.Subcommands.Add(RawCall.Create(socket));

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0 || parsed.CommandResult.Command == root && !parsed.Tokens.Any(t => t.Value is "--help" or "-h" or "-?" or "--version"))
        {
            foreach (var error in parsed.Errors)
            {
                await Console.Error.WriteLineAsync($"etcd-backupctl: {error.Message}");
            }

            await Console.Error.WriteLineAsync(Usage);
            return ExitCodes.Usage;
        }

        return await parsed.InvokeAsync();
    }
}
