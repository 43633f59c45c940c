using System.CommandLine;
using EtcdBackupd.Configuration;
using EtcdBackupd.Logging;
using EtcdBackupd.Peers;
using EtcdBackupd.State;

namespace EtcdBackupd.Commands;

/// <summary>
/// <c>etcd-backupd push --config FILE [SNAPSHOT]</c>: send a snapshot (default: the newest) to every peer
/// again, for instance after a peer was down. Copies already there are not sent twice.
/// </summary>
internal static class PushCommand
{
    public static Command Create(Option<string> config)
    {
        var snapshot = new Argument<string?>("snapshot") { Description = "Snapshot file (default: the newest in Snapshots.Directory)", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("push", "Copy a snapshot to every peer in Peers.Targets; exit 0 only if every copy is in place") { config, snapshot };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(config)!, parse.GetValue(snapshot), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string configPath, string? snapshotPath, CancellationToken cancellationToken)
    {
        using var logging = ConsoleLogging.Create();
        var logger = logging.CreateLogger("etcd-backupd.push");
        var configured = await CommandConfiguration.ReadAsync(configPath, reader =>
        {
            var snapshots = SnapshotOptions.Read(reader);
            return new Configured(snapshots, PeersOptions.Read(reader, snapshots.Directory), StateOptions.Read(reader));
        });
        if (configured is null)
        {
            return ExitCodes.Usage;
        }

        var peers = configured.Peers;
        SnapshotResult snapshot;
        try
        {
            snapshotPath ??= new SnapshotDirectory(configured.Snapshots.Directory).NewestPlausible()?.Path
                ?? throw new ConfigurationException($"Snapshots.Directory '{configured.Snapshots.Directory}' holds no snapshot to push");
            snapshot = Load(snapshotPath);
        }
        catch (ConfigurationException e)
        {
            await Console.Error.WriteLineAsync($"etcd-backupd: {e.Message}");
            return ExitCodes.Usage;
        }

        if (!peers.Enabled)
        {
            await Console.Error.WriteLineAsync("etcd-backupd: Peers.Targets is empty: there is nowhere to push to");
            return ExitCodes.Usage;
        }

        // Recorded where the daemon reads them: a push that succeeds clears its copy failure.
        var pusher = new PeerPusher(peers, TimeProvider.System, logger) { Ledger = new CopyLedger(configured.State.Directory, logger) };
        var results = await pusher.PushAsync(snapshot, cancellationToken);
        foreach (var result in results)
        {
            var what = result.Ok ? (result.Skipped ? "already there" : "copied") : "FAILED: " + result.Error;
            await Console.Out.WriteLineAsync($"{result.Peer}\t{what}");
        }

        return results.All(r => r.Ok) ? ExitCodes.Success : ExitCodes.Failed;
    }

    private static SnapshotResult Load(string path)
    {
        var manifestPath = SnapshotFileName.ManifestOf(path);
        if (!File.Exists(path) || !File.Exists(manifestPath))
        {
            throw new ConfigurationException($"'{path}' is not a snapshot with a manifest beside it");
        }

        var manifest = SnapshotManifest.FromJson(File.ReadAllBytes(manifestPath))
            ?? throw new ConfigurationException($"'{manifestPath}' is not a snapshot manifest");
        return new SnapshotResult(Path.GetFullPath(path), manifest);
    }

    private sealed record Configured(SnapshotOptions Snapshots, PeersOptions Peers, StateOptions State);
}
