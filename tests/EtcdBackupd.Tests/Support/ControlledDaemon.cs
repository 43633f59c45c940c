using System.Text.Json.Nodes;
using EtcdBackupd.Tests.Systemd;

namespace EtcdBackupd.Tests.Support;

/// <summary>
/// A daemon process on a given etcd with a directory, snapshot directory and control socket of its own,
/// started and waited for until its first (catch-up) snapshot is saved. Disposing stops it and removes the directory.
/// </summary>
internal sealed class ControlledDaemon : IAsyncDisposable
{
    private ControlledDaemon(TempDirectory dir, DaemonProcess daemon, string socket, string snapshots)
    {
        Dir = dir;
        Daemon = daemon;
        Socket = socket;
        Snapshots = snapshots;
    }

    public TempDirectory Dir { get; }

    public DaemonProcess Daemon { get; }

    public string Socket { get; }

    public string Snapshots { get; }

    /// <summary>The configuration file the daemon was started with, to change before a reload.</summary>
    public string ConfigFile => Dir.Combine("config.json");

    /// <param name="name">The temporary directory's name.</param>
    /// <param name="cluster">The etcd it backs up.</param>
    /// <param name="configure">Changes to the configuration (its <c>Control</c> section has the socket path already).</param>
    /// <param name="environment">More environment variables for the daemon (a notify socket).</param>
    /// <param name="program">Another build of the daemon (<see cref="DaemonProcess.Start"/>).</param>
    public static async Task<ControlledDaemon> StartAsync(
        string name, EtcdCluster cluster, Action<JsonObject>? configure = null, IDictionary<string, string>? environment = null, string? program = null)
    {
        var dir = new TempDirectory(name);
        var snapshots = Directory.CreateDirectory(dir.Combine("snapshots")).FullName;
        var socket = dir.Combine("control.sock");
        var config = NotifyTests.DaemonConfig(cluster, snapshots);
        config["Control"] = new JsonObject { ["SocketPath"] = socket };
        configure?.Invoke(config);
        var daemon = DaemonProcess.Start(Backupd.WriteConfig(dir.Combine("config.json"), config), dir.Combine("daemon.log"), environment, program);
        await daemon.WaitForLogAsync("saved and verified", TimeSpan.FromSeconds(30));
        return new ControlledDaemon(dir, daemon, socket, snapshots);
    }

    public async ValueTask DisposeAsync()
    {
        await Daemon.DisposeAsync();
        Dir.Dispose();
    }
}
