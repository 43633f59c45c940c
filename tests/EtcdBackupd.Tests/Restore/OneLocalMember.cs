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

    /// <summary>
    /// Whether the data directory is a disk of its own: a tmpfs mounted there, with the <c>lost+found</c> ext4 would
    /// make. (Not the WAL directory: etcd cannot make its first WAL in a mount point, as it renames a <c>.tmp</c> over it.)
    /// </summary>
    protected virtual bool DataOnItsOwnDisk => false;

    /// <summary>Whether the unit names the data directory as etcd's default does, relative to its <c>WorkingDirectory=</c>.</summary>
    protected virtual bool DataDirRelative => false;

    private Tmpfs? _disk;

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
        if (DataOnItsOwnDisk)
        {
            // Room for two WALs, each preallocated 64 MiB with a spare segment beside it.
            _disk = await Tmpfs.MountAsync(_member.DataDir, "512m");
            Directory.CreateDirectory(Path.Combine(_member.DataDir, "lost+found"));
        }

        var client = _member.ClientUrl.ToString().TrimEnd('/');
        var peer = _member.PeerUrl.ToString().TrimEnd('/');
        var dataDir = DataDirRelative ? Path.GetRelativePath(_dir.Path, _member.DataDir) : _member.DataDir;
        var flags = $"--name=r1 --data-dir={dataDir} --listen-client-urls={client} --advertise-client-urls={client} "
            + $"--listen-peer-urls={peer} --initial-advertise-peer-urls={peer} --initial-cluster=r1={peer} --initial-cluster-token=restore-test"
            + (WalDirectory is { } wal ? $" --wal-dir={wal}" : "");
        var workingDirectory = DataDirRelative ? $"WorkingDirectory={_dir.Path}\n" : "";
        await File.WriteAllTextAsync(_dir.Combine("etcd.service"), $"[Service]\n{workingDirectory}ExecStart={EtcdBinaries.V35.Etcd} {flags}\n");
        _options = new RestoreOptions
        {
            Tool = EtcdBinaries.V35.Etcdutl!,
            UnitFile = _dir.Combine("etcd.service"),
            UseCommands = true,
            HealthTimeout = TimeSpan.FromSeconds(30),
            Commands = new Dictionary<string, UnitCommands>
            {
                ["etcd.service"] = new(
                    $"cd {_dir.Path} && {{ {EtcdBinaries.V35.Etcd} {flags} >>{_dir.Combine("etcd.log")} 2>&1 & echo $! >{_pidFile}; }}",
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
        if (_disk is not null)
        {
            await _disk.DisposeAsync();
            _disk = null;
        }

        _dir.Dispose();
    }

    protected CommandServiceControl Services => new(_options.Commands);

    /// <summary>A restore as the daemon runs one: each unit command bounded by the options' <c>Restore.UnitTimeoutSeconds</c>.</summary>
    protected LocalRestore Restore(RestoreOptions? options = null) =>
        new(options ?? _options, new() { Endpoints = [_member.ClientUrl] }, (options ?? _options).Services(TimeProvider.System), TimeProvider.System, NullLogger.Instance);

    /// <summary>The fixture's options with another restore tool, other unit commands, or another unit timeout.</summary>
    protected RestoreOptions With(string? tool = null, IReadOnlyDictionary<string, UnitCommands>? commands = null, TimeSpan? unitTimeout = null) => new()
    {
        Tool = tool ?? _options.Tool, UnitFile = _options.UnitFile, UseCommands = true, Commands = commands ?? _options.Commands,
        HealthTimeout = _options.HealthTimeout, UnitTimeout = unitTimeout ?? _options.UnitTimeout,
    };

    protected async Task<string> SnapshotAsync()
    {
        var directory = Directory.CreateDirectory(_dir.Combine("snapshots")).FullName;
        var engine = new SnapshotEngine(new() { Endpoints = [_member.ClientUrl] }, new SnapshotOptions { Directory = directory }, TimeProvider.System, NullLogger.Instance);
        return (await engine.TakeAsync(onReceived: null, CancellationToken.None)).Path;
    }

    /// <summary>A snapshot holding <paramref name="inSnapshot"/>, then <paramref name="after"/> written: a restore must take the second away.</summary>
    protected async Task<string> SnapshotBetweenAsync(string inSnapshot, string after)
    {
        await PutAsync(inSnapshot, "1");
        var snapshot = await SnapshotAsync();
        await PutAsync(after, "2");
        return snapshot;
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
