using System.CommandLine;
using EtcdBackupd.Commands;
using EtcdBackupd.Configuration;
using EtcdBackupd.Hosting;

namespace EtcdBackupd;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var config = new Option<string>("--config", "-c")
        {
            Description = $"Configuration file (default {ConfigurationLoader.DefaultPath})",
            DefaultValueFactory = _ => ConfigurationLoader.DefaultPath,
        };
        var root = new RootCommand("etcd-backupd: keeps a Kubernetes cluster's etcd recoverable with verified snapshots. "
            + "Without a command it runs as the daemon.") { config };
        root.Subcommands.Add(SnapshotCommand.Create(config));
        root.Subcommands.Add(PushCommand.Create(config));
        root.Subcommands.Add(CheckCommand.Create(config));
        root.Subcommands.Add(RestoreCommand.Create(config));
        root.Subcommands.Add(FetchCommand.Create(config));
        root.SetAction((parse, cancellationToken) => DaemonHost.RunAsync(parse.GetValue(config)!, cancellationToken));
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                await Console.Error.WriteLineAsync($"etcd-backupd: {error.Message}");
            }

            return Protocol.ExitCodes.Usage;
        }

        // The daemon and the one-shot restore handle SIGTERM themselves: a restore under way must finish or
        // roll back first. System.CommandLine's own handler would end the process 2 s after the signal.
        var waitsForRestore = parsed.CommandResult.Command == root || parsed.CommandResult.Command.Name == "restore";
        return await parsed.InvokeAsync(waitsForRestore ? new InvocationConfiguration { ProcessTerminationTimeout = null } : null);
    }
}
