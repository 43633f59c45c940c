using System.CommandLine;
using EtcdBackupd.Etcd;
using EtcdBackupd.Logging;
using EtcdBackupd.Peers;
using EtcdBackupd.Service;
using EtcdBackupd.State;
using System.Text.Json;

namespace EtcdBackupd.Commands;

/// <summary><c>etcd-backupd snapshot --config FILE [--json]</c>: one verified snapshot, then exit. For cron and Ansible.</summary>
internal static class SnapshotCommand
{
    public static Command Create(Option<string> config)
    {
        var json = new Option<bool>("--json") { Description = "Print the result as one JSON object on stdout" };
        var command = new Command("snapshot", "Take one verified snapshot of etcd now and exit (0 on success)") { config, json };
        command.SetAction((parse, cancellationToken) =>
            RunAsync(parse.GetValue(config)!, parse.GetValue(json), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string configPath, bool json, CancellationToken cancellationToken)
    {
        using var logging = ConsoleLogging.Create();
        var logger = logging.CreateLogger("etcd-backupd.snapshot");
        var configured = await CommandConfiguration.ReadAsync(configPath, reader =>
        {
            var etcd = EtcdOptions.Read(reader);
            var snapshots = SnapshotOptions.Read(reader);
            return new Configured(etcd, snapshots, PeersOptions.Read(reader, snapshots.Directory), StateOptions.Read(reader));
        });
        if (configured is null)
        {
            return ExitCodes.Usage;
        }

        var engine = new SnapshotEngine(configured.Etcd, configured.Snapshots, TimeProvider.System, logger);
        // The daemon reads the copies' results from State.Directory: its verdict and metrics count this push too.
        var peers = new PeerPusher(configured.Peers, TimeProvider.System, logger) { Ledger = new CopyLedger(configured.State.Directory) };

        var startedAt = TimeProvider.System.GetUtcNow();
        try
        {
            var result = await engine.TakeAsync(onReceived: null, cancellationToken);
            // Copies to peers that fail are reported, not fatal: the snapshot itself is good (exit 5, not 1).
            var copies = await peers.PushAsync(result, cancellationToken);
            var outcome = new SnapshotOutcome(startedAt, TimeProvider.System.GetUtcNow(), "etcd-backupd snapshot", result, null) { Peers = copies };
            await Console.Out.WriteLineAsync(json
                ? JsonSerializer.Serialize(outcome.ToReport(withManifest: true), OneShotJsonContext.Default.SnapshotReport)
                : result.Path);
            return copies.All(c => c.Ok) ? ExitCodes.Success : ExitCodes.CopyFailed;
        }
        catch (SnapshotException e)
        {
            await Console.Error.WriteLineAsync($"etcd-backupd: snapshot failed ({e.Failure}): {e.Message}");
            return ExitCodes.Failed;
        }
        catch (EtcdException e)
        {
            await Console.Error.WriteLineAsync($"etcd-backupd: snapshot failed: {e.Message}");
            return ExitCodes.Failed;
        }
    }

    private sealed record Configured(EtcdOptions Etcd, SnapshotOptions Snapshots, PeersOptions Peers, StateOptions State);
}
