using System.Text.Json.Nodes;
using EtcdBackupd.Tests.Snapshots;

namespace EtcdBackupd.Tests.Support;

/// <summary>
/// A fixture's shared daemon: a one-member etcd 3.4 with twenty registry keys, and a daemon on it with
/// its own directory and control socket, configured by the fixture; both stopped at the end.
/// </summary>
internal abstract class DaemonOnOneMemberFixture
{
    private ControlledDaemon _host = null!;

    protected TempDirectory Dir => _host.Dir;

    protected EtcdCluster Cluster { get; private set; } = null!;

    protected DaemonProcess Daemon => _host.Daemon;

    protected string Socket => _host.Socket;

    protected string SnapshotsDirectory => _host.Snapshots;

    /// <summary>The fixture's temporary directory name.</summary>
    protected abstract string DirectoryName { get; }

    /// <summary>The fixture's changes to the daemon's configuration (its <c>Control</c> section has the socket path).</summary>
    protected abstract void Configure(JsonObject config);

    [OneTimeSetUp]
    public async Task StartDaemonAsync()
    {
        Cluster = await EtcdCluster.StartAsync(EtcdBinaries.V34, 1);
        await SnapshotAgainstEtcdTests.WriteRegistryKeysAsync(Cluster, 20);
        _host = await ControlledDaemon.StartAsync(DirectoryName, Cluster, Configure);
    }

    [OneTimeTearDown]
    public async Task StopDaemonAsync()
    {
        await _host.DisposeAsync();
        await Cluster.DisposeAsync();
    }
}
