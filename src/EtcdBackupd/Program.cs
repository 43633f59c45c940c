using System.CommandLine;
using EtcdBackupd.Commands;
using EtcdBackupd.Configuration;
using EtcdBackupd.Hosting;

namespace EtcdBackupd;

internal static class Program
{
    /// <summary>How long a one-shot command other than restore may clean up after SIGTERM or Ctrl-C before it exits anyway.</summary>
    private static readonly TimeSpan OneShotStopWait = TimeSpan.FromSeconds(45);

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
        // roll back first. System.CommandLine's own handler cancels the other commands and ends the process
        // 2 s after the signal: too soon for a one-shot snapshot to abort its off-site upload (up to 30 s)
        // and delete an object no manifest names (10 s), which a bucket would otherwise keep.
        var waitsForRestore = parsed.CommandResult.Command == root || parsed.CommandResult.Command.Name == "restore";
        return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = waitsForRestore ? null : OneShotStopWait });
    }
}
