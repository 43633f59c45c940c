using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Snapshots;

/// <summary>etcd with client-certificate authentication, as in the runbook (--cacert/--cert/--key).</summary>
[TestFixtureSource(typeof(EtcdBinaries), nameof(EtcdBinaries.All))]
[Parallelizable(ParallelScope.None)]
internal sealed class SnapshotTlsTests(EtcdBinaries etcd)
{
    private TempDirectory _scratch = null!;
    private TestPki _pki = null!;
    private TestPki _otherPki = null!;
    private EtcdCluster _cluster = null!;

    [OneTimeSetUp]
    public async Task StartTlsClusterAsync()
    {
        _scratch = new TempDirectory("tls");
        _pki = await TestPki.CreateAsync(_scratch.Path, "cluster");
        _otherPki = await TestPki.CreateAsync(_scratch.Path, "other");
        _cluster = await EtcdCluster.StartAsync(etcd, 3, _pki);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _cluster.DisposeAsync();
        _scratch.Dispose();
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Snapshot_OverTlsWithClientCertificate_RestoresEveryKey()
    {
        using var dir = new TempDirectory("tls-ok");
        var written = await SnapshotAgainstEtcdTests.WriteRegistryKeysAsync(_cluster, 50);
        var config = Backupd.WriteConfig(dir.Combine("config.json"), _cluster, dir.Path);

        var result = Backupd.ParseResult(await Backupd.SnapshotAsync(config));

        var restored = await SnapshotAgainstEtcdTests.RestoreAndReadAsync(_cluster, dir, result["path"]!.GetValue<string>());
        Assert.That(restored, Is.EquivalentTo(written));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Snapshot_WithWrongCa_FailsNamingTheCaAndLeavesNoFile()
    {
        using var dir = new TempDirectory("tls-ca");
        var config = WriteConfig(dir, caFile: _otherPki.CaFile, certFile: _pki.ClientCert, keyFile: _pki.ClientKey);

        var result = await Backupd.SnapshotAsync(config);

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString);
        Assert.That(result.StandardError, Does.Contain($"not signed by the CA in Etcd.CaFile ('{_otherPki.CaFile}')")
            .And.Not.Match(OperatorText.DotNetNames().ToString()), result.ToString);
        Assert.That(Backupd.SnapshotLikeFiles(dir.Combine("snapshots")), Is.Empty);
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Snapshot_WithClientCertificateFromAnotherCa_IsRefusedAndLeavesNoFile()
    {
        using var dir = new TempDirectory("tls-cert");
        var config = WriteConfig(dir, caFile: _pki.CaFile, certFile: _otherPki.ClientCert, keyFile: _otherPki.ClientKey);

        var result = await Backupd.SnapshotAsync(config);

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString);
        Assert.That(result.StandardError, Does.Contain("no etcd endpoint answered").And.Contain($"client certificate in Etcd.CertFile ('{_otherPki.ClientCert}')")
            .And.Not.Match(OperatorText.DotNetNames().ToString()), result.ToString);
        Assert.That(Backupd.SnapshotLikeFiles(dir.Combine("snapshots")), Is.Empty);
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Snapshot_WithoutAClientCertificate_SaysEtcdMayRequireOneAndLeavesNoFile()
    {
        using var dir = new TempDirectory("tls-nocert");
        var config = WriteConfig(dir, caFile: _pki.CaFile, certFile: null, keyFile: null);

        var result = await Backupd.SnapshotAsync(config);

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString);
        Assert.That(result.StandardError, Does.Contain("no etcd endpoint answered").And.Contain("require a client certificate (set Etcd.CertFile and Etcd.KeyFile)")
            .And.Not.Match(OperatorText.DotNetNames().ToString()), result.ToString);
        Assert.That(Backupd.SnapshotLikeFiles(dir.Combine("snapshots")), Is.Empty);
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Snapshot_WithAnExpiredClientCertificate_SaysItExpiredNamingTheFileAndLeavesNoFile()
    {
        using var dir = new TempDirectory("tls-expired");
        var (cert, key) = _pki.IssueExpiredClient(dir.Path);
        var config = WriteConfig(dir, caFile: _pki.CaFile, certFile: cert, keyFile: key);

        var result = await Backupd.SnapshotAsync(config);

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString);
        Assert.That(result.StandardError, Does.Contain($"refused the client certificate in Etcd.CertFile ('{cert}'): expired")
            .And.Not.Match(OperatorText.DotNetNames().ToString()), result.ToString);
        Assert.That(Backupd.SnapshotLikeFiles(dir.Combine("snapshots")), Is.Empty);
    }

    private string WriteConfig(TempDirectory dir, string caFile, string? certFile, string? keyFile)
    {
        Directory.CreateDirectory(dir.Combine("snapshots"));
        return Backupd.WriteConfig(dir.Combine("config.json"), new System.Text.Json.Nodes.JsonObject
        {
            ["Etcd"] = new System.Text.Json.Nodes.JsonObject
            {
                ["Endpoints"] = new System.Text.Json.Nodes.JsonArray(_cluster.Members[0].ClientUrl.ToString()),
                ["CaFile"] = caFile,
                ["CertFile"] = certFile,
                ["KeyFile"] = keyFile,
            },
            ["Snapshots"] = new System.Text.Json.Nodes.JsonObject { ["Directory"] = dir.Combine("snapshots") },
        });
    }
}
