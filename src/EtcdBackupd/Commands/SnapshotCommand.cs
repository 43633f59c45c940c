using System.CommandLine;
using EtcdBackupd.Etcd;
using EtcdBackupd.Logging;
using EtcdBackupd.Offsite;
using EtcdBackupd.Peers;
using EtcdBackupd.Retention;
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
        var pin = new Option<string?>("--pin") { Description = "Pin the snapshot with LABEL: retention never deletes it, here or on the peers", HelpName = "LABEL" };
        var command = new Command("snapshot", "Take one verified snapshot of etcd now and exit (0 on success)") { config, json, pin };
        command.SetAction((parse, cancellationToken) =>
            RunAsync(parse.GetValue(config)!, parse.GetValue(json), parse.GetValue(pin), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string configPath, bool json, string? pin, CancellationToken cancellationToken)
    {
        if (pin is not null && PinLabel.Problem(pin) is { } badLabel)
        {
            await Console.Error.WriteLineAsync($"etcd-backupd: --pin: {badLabel}");
            return ExitCodes.Usage;
        }

        using var logging = ConsoleLogging.Create();
        var logger = logging.CreateLogger("etcd-backupd.snapshot");
        var configured = await CommandConfiguration.ReadAsync(configPath, reader =>
        {
            var etcd = EtcdOptions.Read(reader);
            var snapshots = SnapshotOptions.Read(reader);
            return new Configured(etcd, snapshots, PeersOptions.Read(reader, snapshots.Directory), StateOptions.Read(reader), OffsiteOptions.Read(reader));
        });
        if (configured is null)
        {
            return ExitCodes.Usage;
        }

        var engine = new SnapshotEngine(configured.Etcd, configured.Snapshots, TimeProvider.System, logger);
        // The daemon reads the copies' results from State.Directory: its verdict and metrics count this push too.
        var peers = new PeerPusher(configured.Peers, TimeProvider.System, logger) { Ledger = new CopyLedger(configured.State.Directory, logger) };
        var offsite = new OffsiteUploader(configured.Offsite, TimeProvider.System, logger) { Ledger = new CopyLedger(configured.State.Directory, logger) };

        var startedAt = TimeProvider.System.GetUtcNow();
        try
        {
            var result = await engine.TakeAsync(onReceived: null, cancellationToken);
            PinResult? pinned = null;
            var notPinned = false;
            if (pin is not null)
            {
                // Before the copies: each peer's copy of the manifest then carries the pin, with no second send.
                var snapshotPin = new SnapshotPin(pin, TimeProvider.System.GetUtcNow());
                try
                {
                    SnapshotPins.Rewrite(result.Path, snapshotPin);
                    result = result with { Manifest = result.Manifest with { Pin = snapshotPin } };
                    pinned = new PinResult(result.Path, snapshotPin, []);
                }
                catch (PinRefusedException e)
                {
                    // The snapshot is good and still goes to the copies; what was asked for, a pinned one, is not there.
                    await Console.Error.WriteLineAsync($"etcd-backupd: {result.Path} was saved but not pinned: {e.Message}");
                    notPinned = true;
                }
            }

            // Copies that fail (to peers, off-site) are reported, not fatal: the snapshot itself is good (exit 5, not 1).
            var copies = await peers.PushAsync(result, cancellationToken);
            var uploads = offsite.Enabled ? await offsite.UploadAsync(result, cancellationToken) : [];
            var outcome = new SnapshotOutcome(startedAt, TimeProvider.System.GetUtcNow(), "etcd-backupd snapshot", result, null) { Peers = copies, Offsite = uploads };
            var report = outcome.ToReport(withManifest: true) with { Pinned = pinned };
            await Console.Out.WriteLineAsync(json
                ? JsonSerializer.Serialize(report, OneShotJsonContext.Default.SnapshotReport)
                : result.Path);
            return notPinned ? ExitCodes.Failed : report.AllCopied() ? ExitCodes.Success : ExitCodes.CopyFailed;
        }
        catch (SnapshotException e)
        {
            await Console.Error.WriteLineAsync($"etcd-backupd: snapshot failed ({e.Failure.Words()}): {e.Message}");
            return ExitCodes.Failed;
        }
        catch (EtcdException e)
        {
            await Console.Error.WriteLineAsync($"etcd-backupd: snapshot failed: {e.Message}");
            return ExitCodes.Failed;
        }
    }

    private sealed record Configured(EtcdOptions Etcd, SnapshotOptions Snapshots, PeersOptions Peers, StateOptions State, OffsiteOptions Offsite);
}
