using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using EtcdBackupd.Etcd;
using EtcdBackupd.Etcd.Protocol;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;

namespace EtcdBackupd.Tests.Support;

internal sealed record EtcdMember(string Name, Uri ClientUrl, Uri PeerUrl, string DataDir)
{
    public Process? Process { get; set; }
}

/// <summary>Real etcd members on loopback, one process each, stopped and removed on dispose.</summary>
internal sealed class EtcdCluster : IAsyncDisposable
{
    // Test ports stay below Linux's ephemeral range (32768 and up by default): a port probed free
    // there can be handed to some process's outgoing connection before etcd binds it.
    private const int FirstPort = 20000;
    private const int PortCount = 12000;
    private static int _nextPort = Environment.ProcessId % 400 * 30;
    private readonly TempDirectory? _directory;

    private EtcdCluster(EtcdBinaries binaries, TempDirectory? directory, IReadOnlyList<EtcdMember> members, TestPki? pki)
    {
        Binaries = binaries;
        _directory = directory;
        Members = members;
        Pki = pki;
    }

    public EtcdBinaries Binaries { get; }
    public IReadOnlyList<EtcdMember> Members { get; }
    public TestPki? Pki { get; }
    public string Token { get; } = "tok-" + Guid.NewGuid().ToString("N")[..12];

    public static async Task<EtcdCluster> StartAsync(EtcdBinaries binaries, int size, TestPki? pki = null)
    {
        binaries.RequireInstalled();
        var directory = new TempDirectory("etcd");
        var scheme = pki is null ? "http" : "https";
        var members = Enumerable.Range(1, size).Select(i => new EtcdMember(
            $"m{i}", new Uri($"{scheme}://127.0.0.1:{FreePort()}"), new Uri($"http://127.0.0.1:{FreePort()}"),
            Path.Combine(directory.Path, $"m{i}"))).ToList();
        var cluster = new EtcdCluster(binaries, directory, members, pki);
        var initialCluster = string.Join(',', members.Select(m => $"{m.Name}={m.PeerUrl.ToString().TrimEnd('/')}"));
        foreach (var member in members)
        {
            cluster.Launch(member, initialCluster, "new");
        }

        return await HealthyOrGoneAsync(cluster);
    }

    /// <summary>One member on a data directory that already exists (a restored one); its files stay.</summary>
    public static async Task<EtcdCluster> StartExistingAsync(EtcdBinaries binaries, EtcdMember member, string initialCluster)
    {
        var cluster = new EtcdCluster(binaries, null, [member], null);
        cluster.Launch(member, initialCluster, "existing");
        return await HealthyOrGoneAsync(cluster);
    }

    /// <summary>The cluster once it has a leader; its processes are stopped if it never gets one.</summary>
    private static async Task<EtcdCluster> HealthyOrGoneAsync(EtcdCluster cluster)
    {
        try
        {
            await cluster.WaitHealthyAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts one more etcd on an existing data directory (a restored one, say).</summary>
    public void Launch(EtcdMember member, string initialCluster, string state)
    {
        var arguments = new List<string>
        {
            "--name", member.Name, "--data-dir", member.DataDir,
            "--listen-client-urls", member.ClientUrl.ToString().TrimEnd('/'),
            "--advertise-client-urls", member.ClientUrl.ToString().TrimEnd('/'),
            "--listen-peer-urls", member.PeerUrl.ToString().TrimEnd('/'),
            "--initial-advertise-peer-urls", member.PeerUrl.ToString().TrimEnd('/'),
            "--initial-cluster", initialCluster, "--initial-cluster-token", Token, "--initial-cluster-state", state,
            "--quota-backend-bytes", (4L << 30).ToString(),
        };
        if (Pki is not null)
        {
            arguments.AddRange(["--cert-file", Pki.ServerCert, "--key-file", Pki.ServerKey,
                "--trusted-ca-file", Pki.CaFile, "--client-cert-auth"]);
        }

        member.Process = ProcessRunner.StartBackground(Binaries.Etcd, arguments, member.DataDir + ".log");
    }

    public EtcdOptions ClientOptions(params Uri[] endpoints) => new()
    {
        Endpoints = endpoints.Length > 0 ? endpoints : Members.Select(m => m.ClientUrl).ToList(),
        CaFile = Pki?.CaFile,
        CertFile = Pki?.ClientCert,
        KeyFile = Pki?.ClientKey,
    };

    public async Task<EtcdConnection> ConnectAsync(EtcdMember? member = null) =>
        await EtcdConnection.ConnectAsync(ClientOptions(member is null ? [] : [member.ClientUrl]), NullLogger.Instance, CancellationToken.None);

    public async Task PutAsync(string key, byte[] value)
    {
        await using var connection = await ConnectAsync(Members[0]);
        await connection.KV.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFrom(value) });
    }

    /// <summary>Every key under <paramref name="prefix"/> with its value, read from one member.</summary>
    public async Task<Dictionary<string, string>> ReadAsync(EtcdMember member, string prefix)
    {
        await using var connection = await ConnectAsync(member);
        var end = prefix[..^1] + (char)(prefix[^1] + 1);
        var response = await connection.KV.RangeAsync(new RangeRequest
        {
            Key = ByteString.CopyFromUtf8(prefix), RangeEnd = ByteString.CopyFromUtf8(end),
        });
        return response.Kvs.ToDictionary(kv => kv.Key.ToStringUtf8(), kv => kv.Value.ToBase64());
    }

    public async Task WaitHealthyAsync()
    {
        var deadline = Stopwatch.StartNew();
        foreach (var member in Members.Where(m => m.Process is not null))
        {
            while (true)
            {
                try
                {
                    await using var connection = await ConnectAsync(member);
                    if (connection.Status.Leader != 0)
                    {
                        break;
                    }
                }
                catch (EtcdException) when (deadline.Elapsed < TimeSpan.FromSeconds(60))
                {
                }

                Assert.That(member.Process!.HasExited, Is.False, () => $"etcd {member.Name} exited: " + File.ReadAllText(member.DataDir + ".log"));
                Assert.That(deadline.Elapsed, Is.LessThan(TimeSpan.FromSeconds(60)), $"etcd {member.Name} has no leader after 60 s");
                await Task.Delay(100);
            }
        }
    }

    /// <summary>
    /// Waits until every member has applied the same raft index and it has not moved for a while, so two
    /// snapshots taken one after the other see the same database.
    /// </summary>
    public async Task WaitQuiescentAsync()
    {
        var deadline = Stopwatch.StartNew();
        ulong last = 0;
        var stableSince = Stopwatch.StartNew();
        while (stableSince.Elapsed < TimeSpan.FromSeconds(1.5))
        {
            var applied = new List<ulong>();
            foreach (var member in Members.Where(m => m.Process is not null))
            {
                await using var connection = await ConnectAsync(member);
                applied.Add(connection.Status.RaftAppliedIndex);
            }

            if (applied.Distinct().Count() != 1 || applied[0] != last)
            {
                last = applied[0];
                stableSince.Restart();
            }

            Assert.That(deadline.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)), "etcd did not settle within 30 s");
            await Task.Delay(200);
        }
    }

    public void Kill(EtcdMember member)
    {
        if (member.Process is not null)
        {
            ProcessRunner.Kill(member.Process);
            member.Process = null;
        }
    }

    /// <summary>
    /// The first of <paramref name="count"/> consecutive ports, the first and last probed free: for a
    /// program that binds a range (Ceph's messenger). The allocator moves past the whole block.
    /// </summary>
    public static int FreePortBlock(int count)
    {
        while (true)
        {
            var first = FirstPort + (int)((uint)Interlocked.Add(ref _nextPort, count) % (PortCount - count));
            if (IsFree(first) && IsFree(first + count - 1))
            {
                return first;
            }
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var probe = new TcpListener(IPAddress.Loopback, port);
            probe.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public static int FreePort()
    {
        while (true)
        {
            var port = FirstPort + (int)((uint)Interlocked.Increment(ref _nextPort) % PortCount);
            try
            {
                using var probe = new TcpListener(IPAddress.Loopback, port);
                probe.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken: try the next one.
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        foreach (var member in Members)
        {
            Kill(member);
        }

        _directory?.Dispose();
        return ValueTask.CompletedTask;
    }
}
