using System.CommandLine;

namespace EtcdBackupctl;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("etcd-backupctl: ad-hoc snapshots, status and restore through the local etcd-backupd.");
        root.SetAction(_ =>
        {
            // The control socket is not served yet; say so instead of pretending.
            Console.Error.WriteLine("etcd-backupctl: the daemon's control channel is not available in this version; "
                + "use 'etcd-backupd snapshot --config FILE' for a snapshot");
            return 2;
        });
        return await root.Parse(args).InvokeAsync();
    }
}
