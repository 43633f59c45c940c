using System.CommandLine;
using EtcdBackupd.Commands;

namespace EtcdBackupd;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("etcd-backupd: keeps a Kubernetes cluster's etcd recoverable with verified snapshots.");
        root.Subcommands.Add(SnapshotCommand.Create());
        root.SetAction(_ =>
        {
            // The long-running service arrives with the schedules; until then only one-shot commands exist.
            Console.Error.WriteLine("etcd-backupd: the daemon mode is not available in this version; use 'etcd-backupd snapshot --config FILE'");
            return ExitCodes.Usage;
        });
        return await root.Parse(args).InvokeAsync();
    }
}
