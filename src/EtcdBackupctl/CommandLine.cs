using System.CommandLine;
using EtcdBackupd.Protocol;
using EtcdBackupd.Protocol.Requests;

namespace EtcdBackupctl;

/// <summary>Every command and option of etcd-backupctl, parsed without running anything (so tests can parse in-process).</summary>
internal sealed class CommandLine
{
    public const string Usage =
        "usage: etcd-backupctl [--socket PATH] [--timeout SECONDS] {status|snapshot [--pin LABEL]|list [--offsite[:TARGET]]|verify [--offsite[:TARGET]] FILE|import FILE [--pin LABEL]|pin FILE LABEL|unpin FILE|prune [--dry-run]|peers|check|restore FILE [--cluster] [--dry-run] [--yes]|fetch [--from peer:HOST[:PORT]|offsite[:TARGET]] {NAME|--newest}|call REQUEST} [--wide | --json | -w json|table]";

    public CommandLine()
        : this(TimeProvider.System)
    {
    }

    /// <summary>For testing: ages in tables counted from <paramref name="time"/>'s now.</summary>
    public CommandLine(TimeProvider time)
    {
        var socket = new Option<string>("--socket") { Description = "The daemon's control socket", DefaultValueFactory = _ => ControlFraming.DefaultSocketPath, Recursive = true };
        var timeout = new Option<int>("--timeout")
        {
            Description = "Seconds to wait for the daemon's next line (it sends one at least every 5 s while it works); past it, exit 4. 0 waits for ever",
            DefaultValueFactory = _ => 30, Recursive = true,
        };
        Root = new RootCommand("etcd-backupctl: ad-hoc snapshots, status, verification and restore through the local etcd-backupd.")
        {
            socket, Output.JsonFlag, Output.WriteOut, Output.Wide, timeout,
        };
        var cli = new Cli(socket, Output, timeout, time);

        Root.Subcommands.Add(cli.Simple(StatusRequest.Name, "Is the cluster backed up? etcd's health, the last and next snapshot, the peers' copies",
            new StatusRequest(), ProtocolJsonContext.Default.StatusRequest, Results.Status));
        Root.Subcommands.Add(cli.Snapshot());
        Root.Subcommands.Add(cli.List());
        Root.Subcommands.Add(cli.Simple(PeersRequest.Name, "Check that every peer is reachable with its pinned host key",
            new PeersRequest(), ProtocolJsonContext.Default.PeersRequest, Results.Peers));
        Root.Subcommands.Add(cli.Simple(CheckRequest.Name,
            "Preflight: the configuration, TLS, etcd, the snapshot directory, each peer and the restore, checked by the daemon; exit 0 only when all pass",
            new CheckRequest(), ProtocolJsonContext.Default.CheckRequest, Results.Check));
        Root.Subcommands.Add(cli.Verify());
        Root.Subcommands.Add(cli.Pin());
        Root.Subcommands.Add(cli.Unpin());
        Root.Subcommands.Add(cli.Prune());
        Root.Subcommands.Add(cli.Restore());
        Root.Subcommands.Add(cli.Fetch());
        Root.Subcommands.Add(cli.Import());
        Root.Subcommands.Add(RawCall.Create(socket));
    }

    public RootCommand Root { get; }

    public OutputFormat Output { get; } = new();

    public ParseResult Parse(params string[] args) => Root.Parse(OffsiteFlag.Rewrite(args));

    /// <summary>Only the root, with neither a command nor a request for help or the version: nothing to do.</summary>
    public bool NothingToDo(ParseResult parse) =>
        parse.CommandResult.Command == Root && !parse.Tokens.Any(t => t.Value is "--help" or "-h" or "-?" or "--version");
}
