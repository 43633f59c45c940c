using EtcdBackupd.Etcd;
using EtcdBackupd.Restore;
using EtcdBackupd.Snapshots;
using EtcdBackupd.Tests.Support;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;

namespace EtcdBackupd.Tests.Restore;

/// <summary>
/// A real etcd 3.5 member that runs as <c>nobody</c> (its unit says <c>User=nobody</c>; shell commands
/// start it under setpriv), restored after its data directory is gone altogether, as after a replaced
/// disk. Everything it runs from lives in a directory under /tmp that <c>nobody</c> may enter: the
/// checkout may be mode 0700.
/// </summary>
[Parallelizable(ParallelScope.None)]
internal sealed class RestoreOwnerTests
{
    private string _dir = null!;
    private EtcdMember _member = null!;
    private RestoreOptions _options = null!;

    private string Combine(string name) => Path.Combine(_dir, name);

    [SetUp]
    public async Task StartMemberAsNobodyAsync()
    {
        EtcdBinaries.V35.RequireInstalled();
        _dir = Path.Combine("/tmp", $"etcd-backupd-tests-owner-{Guid.NewGuid():N}");
        const UnixFileMode Enterable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        Directory.CreateDirectory(_dir, Enterable);
        Directory.CreateDirectory(Combine("lib"), Enterable);
        File.Copy(EtcdBinaries.V35.Etcd, Combine("etcd"));
        File.SetUnixFileMode(Combine("etcd"), Enterable);
        _member = new EtcdMember("o1", new Uri($"http://127.0.0.1:{EtcdCluster.FreePort()}"), new Uri($"http://127.0.0.1:{EtcdCluster.FreePort()}"), Combine("lib/data"));
        await MustAsync("install", "-d", "-o", "nobody", "-m", "0700", _member.DataDir);
        var client = _member.ClientUrl.ToString().TrimEnd('/');
        var peer = _member.PeerUrl.ToString().TrimEnd('/');
        var etcd = $"{Combine("etcd")} --name=o1 --data-dir={_member.DataDir} --listen-client-urls={client} --advertise-client-urls={client} "
            + $"--listen-peer-urls={peer} --initial-advertise-peer-urls={peer} --initial-cluster=o1={peer} --initial-cluster-token=owner-test";
        await File.WriteAllTextAsync(Combine("etcd.service"), $"[Service]\nUser=nobody\nExecStart={etcd}\n");
        var pidFile = Combine("etcd.pid");
        _options = new RestoreOptions
        {
            Tool = EtcdBinaries.V35.Etcdutl!,
            UnitFile = Combine("etcd.service"),
            UseCommands = true,
            HealthTimeout = TimeSpan.FromSeconds(20),
            Commands = new Dictionary<string, UnitCommands>
            {
                ["etcd.service"] = new(
                    $"setpriv --reuid=nobody --regid=$(id -g nobody) --clear-groups {etcd} >>{Combine("etcd.log")} 2>&1 & echo $! >{pidFile}",
                    $"p=$(cat {pidFile}); kill $p; " + Masters.WaitForExit,
                    $"p=$(cat {pidFile}); " + Masters.Runs),
                ["kube-apiserver.service"] = new("true", "true", "false"),
            },
        };
        await Services.StartAsync("etcd.service", CancellationToken.None);
    }

    [TearDown]
    public async Task StopMemberAsync()
    {
        await Shell.RunAsync($"kill -9 $(cat {Combine("etcd.pid")}) 2>/dev/null", CancellationToken.None);
        Directory.Delete(_dir, recursive: true);
    }

    private CommandServiceControl Services => new(_options.Commands);

    [Test]
    [CancelAfter(120_000)]
    public async Task Restore_OfAMemberWhoseDataDirectoryIsGone_GivesTheNewOneTheUnitsUser_SoEtcdRunningAsThatUserStarts()
    {
        var etcd = new EtcdOptions { Endpoints = [_member.ClientUrl] };
        await PutWhenServingAsync(etcd, "/registry/namespaces/kept");
        var snapshots = Directory.CreateDirectory(Combine("snapshots")).FullName;
        var snapshot = (await new SnapshotEngine(etcd, new SnapshotOptions { Directory = snapshots }, TimeProvider.System, NullLogger.Instance)
            .TakeAsync(onReceived: null, CancellationToken.None)).Path;
        await Services.StopAsync("etcd.service", CancellationToken.None);
        Directory.Delete(_member.DataDir, recursive: true);

        var report = await new LocalRestore(_options, etcd, Services, TimeProvider.System, NullLogger.Instance).RunAsync(snapshot, null, CancellationToken.None);

        Assert.That(report.Ok, Is.True, () => $"{report.FailedStep}: {report.Error}\n{string.Join('\n', report.Steps)}\n" + File.ReadAllText(Combine("etcd.log")));
        Assert.That((await MustAsync("stat", "-c", "%U", _member.DataDir)).Trim(), Is.EqualTo("nobody"));
        Assert.That(report.Steps, Has.Some.StartWith($"give {_member.DataDir} the owner etcd runs as, nobody: (User= of {Combine("etcd.service")})"));
        await using var connection = await EtcdConnection.ConnectAsync(etcd, NullLogger.Instance, CancellationToken.None);
        var keys = await connection.KV.RangeAsync(new() { Key = ByteString.CopyFromUtf8("/registry/"), RangeEnd = ByteString.CopyFromUtf8("/registry0") });
        Assert.That(keys.Kvs.Select(kv => kv.Key.ToStringUtf8()), Is.EqualTo(new[] { "/registry/namespaces/kept" }), "etcd, as nobody, serves the snapshot's keys");
    }

    /// <summary>A put, tried until the member just started has a leader.</summary>
    private static async Task PutWhenServingAsync(EtcdOptions etcd, string key)
    {
        for (var i = 0; ; i++)
        {
            try
            {
                await using var connection = await EtcdConnection.ConnectAsync(etcd, NullLogger.Instance, CancellationToken.None);
                await connection.KV.PutAsync(new() { Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFromUtf8("{}") });
                return;
            }
            catch (Exception e) when (e is EtcdException or Grpc.Core.RpcException && i < 100)
            {
                await Task.Delay(200);
            }
        }
    }

    private static async Task<string> MustAsync(string program, params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync(program, arguments);
        Assert.That(result.ExitCode, Is.Zero, result.ToString);
        return result.StandardOutput;
    }
}
