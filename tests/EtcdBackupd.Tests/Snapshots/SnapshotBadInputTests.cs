using EtcdBackupd.Snapshots;
using EtcdBackupd.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace EtcdBackupd.Tests.Snapshots;

/// <summary>
/// Every way a snapshot can go wrong ends with a clear error, a non-zero exit, no file that looks like a
/// snapshot, and the snapshots taken earlier exactly as they were.
/// </summary>
[Parallelizable(ParallelScope.None)]
internal sealed class SnapshotBadInputTests
{
    private EtcdCluster _cluster = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _cluster = await EtcdCluster.StartAsync(EtcdBinaries.V34, 1);
        await SnapshotAgainstEtcdTests.WriteRegistryKeysAsync(_cluster, 20);
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await _cluster.DisposeAsync();

    [Test]
    [CancelAfter(60_000)]
    public async Task Snapshot_EndpointUnreachable_ExitsOneAndSaysWhy()
    {
        using var dir = new TempDirectory("unreachable");
        var snapshots = Directory.CreateDirectory(dir.Combine("snapshots")).FullName;
        var earlier = await TakeEarlierSnapshotAsync(snapshots);
        var config = Backupd.WriteConfig(dir.Combine("config.json"), _cluster, snapshots,
            new Uri($"http://127.0.0.1:{EtcdCluster.FreePort()}"));

        var result = await Backupd.SnapshotAsync(config);

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString);
        Assert.That(result.StandardError, Does.Contain("no etcd endpoint answered")
            .And.Match(@"http://127\.0\.0\.1:\d+/: connection refused: is etcd running and listening there\?"), result.ToString);
        Assert.That(result.StandardError, Does.Not.Match(OperatorText.DotNetNames().ToString()), result.ToString);
        Assert.That(DirectoryState.Capture(snapshots), Is.EqualTo(earlier));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Snapshot_EndpointNameDoesNotResolve_SaysDnsAndNamesTheEndpoint()
    {
        using var dir = new TempDirectory("dns");
        var snapshots = Directory.CreateDirectory(dir.Combine("snapshots")).FullName;
        var config = Backupd.WriteConfig(dir.Combine("config.json"), _cluster, snapshots, new Uri("http://etcd.nonexistent.invalid:2379"));

        var result = await Backupd.SnapshotAsync(config);

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString);
        Assert.That(result.StandardError, Does.Contain("http://etcd.nonexistent.invalid:2379/: the host name does not resolve (DNS): check Etcd.Endpoints")
            .And.Not.Match(OperatorText.DotNetNames().ToString()), result.ToString);
        Assert.That(Backupd.SnapshotLikeFiles(snapshots), Is.Empty);
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Snapshot_FirstEndpointDown_UsesTheNextAndSaysWhich()
    {
        using var dir = new TempDirectory("fallback");
        var good = _cluster.Members[0].ClientUrl;
        var config = Backupd.WriteConfig(dir.Combine("config.json"), _cluster, dir.Path,
            new Uri($"http://127.0.0.1:{EtcdCluster.FreePort()}"), good);

        var result = await Backupd.SnapshotAsync(config);

        Assert.That(result.ExitCode, Is.Zero, result.ToString);
        Assert.That(result.StandardError, Does.Contain($"Using etcd endpoint {good}"));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Snapshot_EtcdKilledMidStream_FailsAndLeavesNoPartialFile()
    {
        using var dir = new TempDirectory("killed");
        await using var cluster = await EtcdCluster.StartAsync(EtcdBinaries.V34, 1);
        var earlier = await TakeEarlierSnapshotAsync(dir.Path, cluster);
        for (var i = 0; i < 48; i++)
        {
            await cluster.PutAsync($"/registry/configmaps/big-{i}", new byte[1 << 20]);
        }

        var engine = new SnapshotEngine(cluster.ClientOptions(), new SnapshotOptions { Directory = dir.Path }, TimeProvider.System, NullLogger.Instance);
        var killed = false;

        var failure = Assert.ThrowsAsync<SnapshotException>(() => engine.TakeAsync(received =>
        {
            if (!killed && received > 1 << 20)
            {
                killed = true;
                cluster.Kill(cluster.Members[0]);
            }
        }, CancellationToken.None));

        Assert.That(killed, Is.True, "the stream ended before etcd could be killed");
        Assert.That(failure!.Failure, Is.EqualTo(SnapshotFailure.StreamBroken).Or.EqualTo(SnapshotFailure.TrailerMismatch));
        Assert.That(failure.Message, Does.Contain("stream"));
        Assert.That(DirectoryState.Capture(dir.Path), Is.EqualTo(earlier));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Snapshot_CancelledMidStream_AsOnSigterm_LeavesNoPartialFile()
    {
        using var dir = new TempDirectory("cancelled");
        await using var cluster = await EtcdCluster.StartAsync(EtcdBinaries.V34, 1);
        var earlier = await TakeEarlierSnapshotAsync(dir.Path, cluster);
        for (var i = 0; i < 24; i++)
        {
            await cluster.PutAsync($"/registry/configmaps/big-{i}", new byte[1 << 20]);
        }

        var engine = new SnapshotEngine(cluster.ClientOptions(), new SnapshotOptions { Directory = dir.Path }, TimeProvider.System, NullLogger.Instance);
        using var stopping = new CancellationTokenSource();

        var failure = Assert.ThrowsAsync<SnapshotException>(() => engine.TakeAsync(received =>
        {
            if (received > 1 << 20)
            {
                stopping.Cancel();
            }
        }, stopping.Token));

        Assert.That(failure!.Failure, Is.EqualTo(SnapshotFailure.Cancelled));
        Assert.That(DirectoryState.Capture(dir.Path), Is.EqualTo(earlier));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Snapshot_DirectoryTooSmallForTheDatabase_ExitsOneAndKeepsEarlierSnapshots()
    {
        using var dir = new TempDirectory("full");
        // Room for a small snapshot and the 1 MiB every write keeps spare, not for the database once grown.
        await using var tmpfs = await Tmpfs.MountAsync(dir.Combine("snapshots"), "2m");
        await using var cluster = await EtcdCluster.StartAsync(EtcdBinaries.V34, 1);
        var earlier = await TakeEarlierSnapshotAsync(tmpfs.Path, cluster);
        for (var i = 0; i < 3; i++)
        {
            await cluster.PutAsync($"/registry/configmaps/big-{i}", new byte[1 << 20]);
        }

        var result = await Backupd.SnapshotAsync(Backupd.WriteConfig(dir.Combine("config.json"), cluster, tmpfs.Path));

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString);
        Assert.That(result.StandardError, Does.Contain("snapshot failed (disk full)").And.Contain("free, and a snapshot of etcd's database"));
        Assert.That(DirectoryState.Capture(tmpfs.Path), Is.EqualTo(earlier));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Snapshot_DiskFillsUpMidStream_FailsAsDiskFullAndLeavesNoPartialFile()
    {
        using var dir = new TempDirectory("fills");
        await using var tmpfs = await Tmpfs.MountAsync(dir.Combine("snapshots"), "16m");
        await using var cluster = await EtcdCluster.StartAsync(EtcdBinaries.V34, 1);
        var earlier = await TakeEarlierSnapshotAsync(tmpfs.Path, cluster);
        for (var i = 0; i < 8; i++)
        {
            await cluster.PutAsync($"/registry/configmaps/big-{i}", new byte[1 << 20]);
        }

        var filler = Path.Combine(dir.Path, "filler");
        var engine = new SnapshotEngine(cluster.ClientOptions(), new SnapshotOptions { Directory = tmpfs.Path }, TimeProvider.System, NullLogger.Instance);
        var failure = Assert.ThrowsAsync<SnapshotException>(() => engine.TakeAsync(received =>
        {
            // Something else on the host takes the rest of the disk once the stream is under way.
            if (!File.Exists(filler))
            {
                File.WriteAllText(filler, "");
                tmpfs.FillUp();
            }
        }, CancellationToken.None));

        Assert.That(failure!.Failure, Is.EqualTo(SnapshotFailure.DiskFull), failure.ToString);
        Assert.That(failure.Message, Is.EqualTo($"Snapshots.Directory '{tmpfs.Path}' is full: no space left on its file system; nothing was kept of this snapshot"));
        File.Delete(Path.Combine(tmpfs.Path, "filler.bin"));
        Assert.That(DirectoryState.Capture(tmpfs.Path), Is.EqualTo(earlier));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Snapshot_WhenEtcdStallsMidStream_IsAbandonedAfterTheStallTimeoutLeavingNoFile()
    {
        using var dir = new TempDirectory("stalled");
        await using var cluster = await EtcdCluster.StartAsync(EtcdBinaries.V34, 1);
        for (var i = 0; i < 8; i++)
        {
            await cluster.PutAsync($"/registry/configmaps/big-{i}", new byte[1 << 20]);
        }

        var etcd = cluster.Members[0].Process!;
        var engine = new SnapshotEngine(cluster.ClientOptions(), new SnapshotOptions { Directory = dir.Path, StallTimeout = TimeSpan.FromSeconds(3) },
            TimeProvider.System, NullLogger.Instance);
        var stopped = false;
        try
        {
            var failure = Assert.ThrowsAsync<SnapshotException>(() => engine.TakeAsync(received =>
            {
                // etcd stops answering (SIGSTOP: a hung process, or a link that carries nothing) once the stream is under way.
                if (!stopped)
                {
                    stopped = true;
                    System.Diagnostics.Process.Start("kill", ["-STOP", etcd.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]).WaitForExit();
                }
            }, CancellationToken.None));

            Assert.That(failure!.Failure, Is.EqualTo(SnapshotFailure.StreamBroken), failure.ToString);
            Assert.That(failure.Message, Does.Contain("etcd sent nothing for 3 s, so the snapshot was abandoned"));
            Assert.That(Backupd.SnapshotLikeFiles(dir.Path), Is.Empty);
        }
        finally
        {
            await ProcessRunner.RunAsync("kill", ["-CONT", etcd.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Snapshot_DirectoryMissing_ExitsTwoNamingTheKey()
    {
        using var dir = new TempDirectory("missing");
        var config = Backupd.WriteConfig(dir.Combine("config.json"), _cluster, dir.Combine("no-such-dir"));

        var result = await Backupd.SnapshotAsync(config);

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString);
        Assert.That(result.StandardError, Does.Contain("Snapshots.Directory: directory").And.Contain("does not exist"));
        Assert.That(Directory.Exists(dir.Combine("no-such-dir")), Is.False, "a mistyped directory must not be created");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Snapshot_DirectoryReadOnly_ExitsTwoNamingTheKeyAndKeepsEarlierSnapshots()
    {
        using var dir = new TempDirectory("readonly");
        await using var tmpfs = await Tmpfs.MountAsync(dir.Combine("snapshots"), "4m");
        var earlier = await TakeEarlierSnapshotAsync(tmpfs.Path);
        await tmpfs.RemountReadOnlyAsync();

        var result = await Backupd.SnapshotAsync(Backupd.WriteConfig(dir.Combine("config.json"), _cluster, tmpfs.Path));

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString);
        Assert.That(result.StandardError, Does.Contain("Snapshots.Directory").And.Contain("is not writable"));
        Assert.That(DirectoryState.Capture(tmpfs.Path), Is.EqualTo(earlier));
    }

    [TestCase("{ \"Snapshots\": { \"Directory\": \"/tmp\" } }", "Etcd.Endpoints: at least one endpoint is required")]
    [TestCase("{ \"Etcd\": { \"Endpoints\": [\"http://127.0.0.1:2379\"] } }", "Snapshots.Directory: is required")]
    [TestCase("{ \"Etcd\": { \"Endpoints\": [\"http://127.0.0.1:2379\", \"etcd1:2379\"] }, \"Snapshots\": { \"Directory\": \"/tmp\" } }",
        "Etcd.Endpoints[1]: 'etcd1:2379' is not an http:// or https:// URL")]
    [TestCase("{ \"Etcd\": { \"Endpoints\": \"http://127.0.0.1:2379\" }, \"Snapshots\": { \"Directory\": \"/tmp\" } }",
        "Etcd.Endpoints: must be an array of strings")]
    [TestCase("{ \"Etcd\": { \"Endpoints\": [\"https://127.0.0.1:2379\"], \"CaFile\": \"/nonexistent/ca.pem\" }, \"Snapshots\": { \"Directory\": \"/tmp\" } }",
        "Etcd.CaFile: file '/nonexistent/ca.pem' does not exist")]
    [TestCase("{ \"Etcd\": { \"Endpoints\": [\"http://127.0.0.1:2379\"], \"DialTimeoutSeconds\": \"soon\" }, \"Snapshots\": { \"Directory\": \"/tmp\" } }",
        "Etcd.DialTimeoutSeconds: 'soon' is not a whole number from 1 to 120")]
    [TestCase("{ \"Etcd\": { \"Endpoints\": [\"http://127.0.0.1:2379\"] , }, ", "is not valid JSON")]
    [CancelAfter(60_000)]
    public async Task Snapshot_BadConfiguration_ExitsTwoNamingTheKey(string json, string expected)
    {
        using var dir = new TempDirectory("config");
        var config = dir.Combine("config.json");
        await File.WriteAllTextAsync(config, json);

        var result = await Backupd.SnapshotAsync(config);

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString);
        Assert.That(result.StandardError, Does.Contain(expected));
        Assert.That(result.StandardOutput, Is.Empty);
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Snapshot_MissingConfigurationFile_ExitsTwoNamingTheFile()
    {
        var result = await Backupd.SnapshotAsync("/nonexistent/etcd-backupd.json");

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString);
        Assert.That(result.StandardError, Does.Contain("configuration file '/nonexistent/etcd-backupd.json' does not exist"));
    }

    private async Task<Dictionary<string, string>> TakeEarlierSnapshotAsync(string directory, EtcdCluster? cluster = null)
    {
        cluster ??= _cluster;
        var config = Backupd.WriteConfig(Path.Combine(Path.GetTempPath(), $"earlier-{Guid.NewGuid():N}.json"), cluster, directory);
        try
        {
            Backupd.ParseResult(await Backupd.SnapshotAsync(config));
        }
        finally
        {
            File.Delete(config);
        }

        var state = DirectoryState.Capture(directory);
        Assert.That(state.Keys.Count(k => k.EndsWith(".db", StringComparison.Ordinal)), Is.EqualTo(1));
        return state;
    }
}
