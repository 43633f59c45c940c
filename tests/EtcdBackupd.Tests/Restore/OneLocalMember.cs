using EtcdBackupd.Restore;
using EtcdBackupd.Snapshots;
using EtcdBackupd.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace EtcdBackupd.Tests.Restore;

/// <summary>
/// One real etcd 3.5 member run by shell commands (Restore.ServiceControl 'commands'), with a kube-apiserver
/// stand-in (kube-apiserver is not packaged here): a marker file. <see cref="WalDirectory"/> gives etcd a
/// WAL directory of its own.
/// </summary>
internal abstract class OneLocalMember
{
    /// <summary>The name of etcd's --wal-dir under the test's directory; null: the WAL stays in the data directory.</summary>
    protected virtual string? WalDirectoryName => null;

    protected string? WalDirectory => WalDirectoryName is { } name ? _dir.Combine(name) : null;

    protected TempDirectory _dir = null!;
    protected EtcdMember _member = null!;
    protected string _pidFile = null!;
    protected string _apiMarker = null!;
    protected RestoreOptions _options = null!;

    [SetUp]
    public async Task StartMemberAsync()
    {
        EtcdBinaries.V35.RequireInstalled();
        _dir = new TempDirectory("local-restore");
        _member = new EtcdMember("r1", new Uri($"http://127.0.0.1:{EtcdCluster.FreePort()}"), new Uri($"http://127.0.0.1:{EtcdCluster.FreePort()}"), _dir.Combine("data"));
        _pidFile = _dir.Combine("etcd.pid");
        _apiMarker = _dir.Combine("kube-apiserver-stand-in.active");
        var client = _member.ClientUrl.ToString().TrimEnd('/');
        var peer = _member.PeerUrl.ToString().TrimEnd('/');
        var flags = $"--name=r1 --data-dir={_member.DataDir} --listen-client-urls={client} --advertise-client-urls={client} "
            + $"--listen-peer-urls={peer} --initial-advertise-peer-urls={peer} --initial-cluster=r1={peer} --initial-cluster-token=restore-test"
            + (WalDirectory is { } wal ? $" --wal-dir={wal}" : "");
        await File.WriteAllTextAsync(_dir.Combine("etcd.service"), $"[Service]\nExecStart={EtcdBinaries.V35.Etcd} {flags}\n");
        _options = new RestoreOptions
        {
            Tool = EtcdBinaries.V35.Etcdutl!,
            UnitFile = _dir.Combine("etcd.service"),
            UseCommands = true,
            HealthTimeout = TimeSpan.FromSeconds(30),
            Commands = new Dictionary<string, UnitCommands>
            {
                ["etcd.service"] = new(
                    $"{EtcdBinaries.V35.Etcd} {flags} >>{_dir.Combine("etcd.log")} 2>&1 & echo $! >{_pidFile}",
                    $"p=$(cat {_pidFile}); kill $p; " + Masters.WaitForExit,
                    $"p=$(cat {_pidFile}); " + Masters.Runs),
                ["kube-apiserver.service"] = new($"touch {_apiMarker}", $"rm -f {_apiMarker}", $"test -f {_apiMarker}"),
            },
        };
        await Services.StartAsync("etcd.service", CancellationToken.None);
        await Services.StartAsync("kube-apiserver.service", CancellationToken.None);
        await WaitHealthyAsync();
    }

    [TearDown]
    public async Task StopMemberAsync()
    {
        await Shell.RunAsync($"kill -9 $(cat {_pidFile}) 2>/dev/null", CancellationToken.None);
        _dir.Dispose();
    }

    protected CommandServiceControl Services => new(_options.Commands);

    protected LocalRestore Restore(RestoreOptions? options = null) =>
        new(options ?? _options, new() { Endpoints = [_member.ClientUrl] }, Services, TimeProvider.System, NullLogger.Instance);

    protected async Task<string> SnapshotAsync()
    {
        var directory = Directory.CreateDirectory(_dir.Combine("snapshots")).FullName;
        var engine = new SnapshotEngine(new() { Endpoints = [_member.ClientUrl] }, new SnapshotOptions { Directory = directory }, TimeProvider.System, NullLogger.Instance);
        return (await engine.TakeAsync(onReceived: null, CancellationToken.None)).Path;
    }

    protected async Task PutAsync(string key, string value)
    {
        await using var connection = await Connect();
        await connection.KV.PutAsync(new() { Key = Google.Protobuf.ByteString.CopyFromUtf8(key), Value = Google.Protobuf.ByteString.CopyFromUtf8(value) });
    }

    protected async Task<string[]> KeysAsync()
    {
        await using var connection = await Connect();
        var all = Google.Protobuf.ByteString.CopyFrom(0);
        var range = await connection.KV.RangeAsync(new() { Key = all, RangeEnd = all, KeysOnly = true });
        return range.Kvs.Select(kv => kv.Key.ToStringUtf8()).ToArray();
    }

    private Task<EtcdBackupd.Etcd.EtcdConnection> Connect() =>
        EtcdBackupd.Etcd.EtcdConnection.ConnectAsync(new() { Endpoints = [_member.ClientUrl] }, NullLogger.Instance, CancellationToken.None);

    protected async Task WaitHealthyAsync()
    {
        for (var i = 0; ; i++)
        {
            try
            {
                await using var connection = await Connect();
                if (connection.Status.Leader != 0)
                {
                    return;
                }
            }
            catch (EtcdBackupd.Etcd.EtcdException) when (i < 100)
            {
            }

            await Task.Delay(200);
        }
    }
}
