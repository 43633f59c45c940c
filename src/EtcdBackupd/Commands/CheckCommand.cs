using System.CommandLine;
using System.Text.Json;
using EtcdBackupd.Configuration;
using EtcdBackupd.Hosting;
using EtcdBackupd.Logging;
using EtcdBackupd.Preflight;
using EtcdBackupd.Protocol.Tables;

namespace EtcdBackupd.Commands;

/// <summary>
/// <c>etcd-backupd check [--config FILE] [--json]</c>: the preflight of a new or changed master, without
/// the daemon. Exit 0 when every check passes, 1 when one fails, 2 when the configuration cannot be used
/// (then it is the only line).
/// </summary>
internal static class CheckCommand
{
    public static Command Create(Option<string> config)
    {
        var json = new Option<bool>("--json") { Description = "Print the checks as one JSON object on stdout" };
        var command = new Command("check",
            "Check that this master can take, keep, copy and restore snapshots: the configuration, TLS, etcd, the snapshot directory, "
            + "each peer, the restore; one table row per check, exit 0 only when all pass") { config, json };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(config)!, parse.GetValue(json), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string configPath, bool json, CancellationToken cancellationToken)
    {
        using var logging = ConsoleLogging.Create();
        var logger = logging.CreateLogger("etcd-backupd.check");
        var path = Path.GetFullPath(configPath);
        DaemonConfiguration daemon;
        try
        {
            // TLS files are the next line's business: a key that is not the certificate's is a failed check, not an unusable file.
            daemon = DaemonConfiguration.Load(path, TimeProvider.System, withTls: false);
        }
        catch (ConfigurationException e)
        {
            await PrintAsync(CheckResult.Of([new CheckLine(CheckNames.Configuration, false, $"{path}: {string.Join("; ", e.Problems)}")]), json);
            return ExitCodes.Usage;
        }

        var configuration = new CheckLine(CheckNames.Configuration, true, $"{path}: every key known and valid");
        var result = await PreflightRun.RunAsync(configuration, daemon, TimeProvider.System, logger, cancellationToken);
        await PrintAsync(result, json);
        return result.Passed ? ExitCodes.Success : ExitCodes.Failed;
    }

    private static Task PrintAsync(CheckResult result, bool json) =>
        Console.Out.WriteAsync(json ? JsonSerializer.Serialize(result, OneShotJsonContext.Default.CheckResult) + "\n" : CheckTable.Render(result, new View(TimeProvider.System.GetUtcNow(), Wide: false)));
}
