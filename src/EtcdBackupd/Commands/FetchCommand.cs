using System.CommandLine;
using System.Text.Json;
using EtcdBackupd.Control.Handlers;
using EtcdBackupd.Fetch;
using EtcdBackupd.Lineage;
using EtcdBackupd.Logging;
using EtcdBackupd.Offsite;
using EtcdBackupd.State;

namespace EtcdBackupd.Commands;

/// <summary>
/// <c>etcd-backupd fetch --from offsite[:TARGET] {NAME | --newest} --config FILE [--json]</c>: the daemon's off-site
/// fetch, for a master rebuilt from nothing with only its configuration and identity file, and no daemon running.
/// The file appears in <c>Snapshots.Directory</c> only verified; it prints its path (the result with <c>--json</c>).
/// </summary>
internal static class FetchCommand
{
    public static Command Create(Option<string> config)
    {
        var name = new Argument<string?>("name") { Description = "The snapshot's file name (etcd-snapshot-...db)", Arity = ArgumentArity.ZeroOrOne };
        var newest = new Option<bool>("--newest") { Description = "This cluster's newest snapshot across the off-site targets" };
        var from = new Option<string>("--from") { Description = "offsite, or offsite:TARGET for one of Offsite.Targets", DefaultValueFactory = _ => "offsite", HelpName = "offsite[:TARGET]" };
        var json = new Option<bool>("--json") { Description = "Print the result as one JSON object on stdout" };
        var command = new Command("fetch",
            "Download a snapshot of this cluster from the off-site targets into Snapshots.Directory, decrypted, decompressed and verified, then exit (0 on success)")
        {
            config, name, newest, from, json,
        };
        command.SetAction((parse, cancellationToken) =>
            RunAsync(parse.GetValue(config)!, parse.GetValue(from)!, parse.GetValue(name), parse.GetValue(newest), parse.GetValue(json), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string configPath, string from, string? name, bool newest, bool json, CancellationToken cancellationToken)
    {
        if (Usage(from, name, newest) is { } usage)
        {
            await Console.Error.WriteLineAsync($"etcd-backupd: {usage}");
            return ExitCodes.Usage;
        }

        using var logging = ConsoleLogging.Create();
        var configured = await CommandConfiguration.ReadAsync(configPath, reader =>
            new Configured(SnapshotOptions.Read(reader), OffsiteOptions.Read(reader), StateOptions.Read(reader)));
        if (configured is null)
        {
            return ExitCodes.Usage;
        }

        var targets = OffsiteScopes.Select(configured.Offsite, from.Length > "offsite:".Length ? from["offsite:".Length..] : null, out var problem);
        if (problem is not null)
        {
            await Console.Error.WriteLineAsync($"etcd-backupd: {problem}");
            return ExitCodes.Usage;
        }

        var time = TimeProvider.System;
        var lineage = new ClusterLineage(configured.State.Directory, time, logging.CreateLogger("etcd-backupd.lineage"));
        var verifier = new SnapshotVerifier(new VerificationCache(configured.State.Directory));
        var fetcher = new OffsiteFetcher(configured.Offsite, lineage, configured.Snapshots.Directory, verifier, time, logging.CreateLogger("etcd-backupd.fetch"));
        try
        {
            var fetched = await fetcher.FetchAsync(targets, newest ? null : name, null, cancellationToken);
            await Console.Out.WriteLineAsync(json
                ? JsonSerializer.Serialize(FetchHandler.Result(fetched), OneShotJsonContext.Default.FetchResult)
                : fetched.Path + (fetched.AlreadyHere ? " (already here, identical: nothing downloaded)" : ""));
            return ExitCodes.Success;
        }
        catch (FetchException e)
        {
            await Console.Error.WriteLineAsync($"etcd-backupd: fetch failed ({FetchHandler.Code(e.Failure)}): {e.Message}");
            return ExitCodes.Failed;
        }
    }

    private static string? Usage(string from, string? name, bool newest) =>
        (from, name, newest) switch
        {
            _ when from != "offsite" && !from.StartsWith("offsite:", StringComparison.Ordinal) =>
                $"fetch --from '{from}': the one-shot fetch takes offsite or offsite:TARGET (a peer fetch goes through the daemon: etcd-backupctl fetch --from peer:HOST)",
            (_, null, false) => "fetch needs a snapshot NAME or --newest",
            (_, not null, true) => "fetch takes a snapshot NAME or --newest, not both",
            (_, { } n, _) when Path.GetFileName(n) != n || !SnapshotFileName.TryParse(n, out _, out _, out _) =>
                $"'{n}' is not a snapshot name (etcd-snapshot-<time>-<member>-r<revision>.db, no directory)",
            _ => null,
        };

    private sealed record Configured(SnapshotOptions Snapshots, OffsiteOptions Offsite, StateOptions State);
}
