using System.Security.Cryptography;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Snapshots;

/// <summary>
/// The snapshot an operator gets from etcd-backupd is the one etcd's own tools make, etcd's tools accept it,
/// and it brings every key back.
/// </summary>
[TestFixtureSource(typeof(EtcdBinaries), nameof(EtcdBinaries.All))]
[Parallelizable(ParallelScope.None)]
internal sealed class SnapshotAgainstEtcdTests(EtcdBinaries etcd)
{
    [TestCase(1)]
    [TestCase(3)]
    [CancelAfter(180_000)]
    public async Task Snapshot_OfQuiescentMember_MatchesEtcdctlAndRestoresEveryKey(int members)
    {
        using var scratch = new TempDirectory("identical");
        await using var cluster = await EtcdCluster.StartAsync(etcd, members);
        var written = await WriteRegistryKeysAsync(cluster, 200);
        await cluster.WaitQuiescentAsync();
        var source = cluster.Members[^1];
        var config = Backupd.WriteConfig(scratch.Combine("config.json"), cluster, scratch.Path, source.ClientUrl);

        var result = Backupd.ParseResult(await Backupd.SnapshotAsync(config));
        var ours = result["path"]!.GetValue<string>();
        var reference = scratch.Combine("etcdctl.db");
        await Run(etcd.Etcdctl, ["--endpoints", source.ClientUrl.ToString(), "snapshot", "save", reference]);

        if (etcd.Etcdutl is null)
        {
            Assert.That(await File.ReadAllBytesAsync(ours), Is.EqualTo(await File.ReadAllBytesAsync(reference)),
                "etcd-backupd's snapshot differs from etcdctl snapshot save of the same quiescent member");
        }

        // etcd 3.5 commits its consistent index on every snapshot, so even two etcdctl snapshots in a row
        // differ in bbolt's meta page; etcd's own status (content hash, revision, keys, size) must agree.
        var oursStatus = await Run(etcd.OfflineTool, ["snapshot", "status", ours, "-w", "json"]);
        var referenceStatus = await Run(etcd.OfflineTool, ["snapshot", "status", reference, "-w", "json"]);
        Assert.That(oursStatus.StandardOutput, Does.Contain("\"hash\""), "etcd's snapshot status did not describe the file");
        Assert.That(oursStatus.StandardOutput, Is.EqualTo(referenceStatus.StandardOutput),
            "etcd's snapshot status of etcd-backupd's file differs from that of etcdctl's");
        Assert.That(result["sha256"]!.GetValue<string>(), Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(ours)))));
        Assert.That(result["sizeBytes"]!.GetValue<long>(), Is.EqualTo(new FileInfo(ours).Length));
        Assert.That(File.GetUnixFileMode(ours), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.That(Path.GetFileName(ours), Does.Match($@"^etcd-snapshot-\d{{8}}T\d{{6}}Z-{source.Name}-r\d+\.db$"));

        var restored = await RestoreAndReadAsync(cluster, scratch, ours);
        Assert.That(restored, Is.EquivalentTo(written), "the restored member does not hold every key written before the snapshot");
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Snapshot_Manifest_DescribesTheMemberItCameFrom()
    {
        using var scratch = new TempDirectory("manifest");
        await using var cluster = await EtcdCluster.StartAsync(etcd, 1);
        await WriteRegistryKeysAsync(cluster, 5);
        var config = Backupd.WriteConfig(scratch.Combine("config.json"), cluster, scratch.Path);

        var result = Backupd.ParseResult(await Backupd.SnapshotAsync(config));
        var path = result["path"]!.GetValue<string>();
        var manifest = EtcdBackupd.Snapshots.SnapshotManifest.FromJson(await File.ReadAllBytesAsync(Path.ChangeExtension(path, ".json")))!;
        await using var connection = await cluster.ConnectAsync();

        Assert.Multiple(() =>
        {
            Assert.That(manifest.Sha256, Is.EqualTo(result["sha256"]!.GetValue<string>()));
            Assert.That(manifest.EtcdVersion, Does.StartWith(etcd.Label.Split('-')[0]), "3.5-sid runs a 3.5 release");
            Assert.That(manifest.ClusterId, Is.EqualTo(connection.Status.Header.ClusterId.ToString("x")));
            Assert.That(manifest.MemberId, Is.EqualTo(connection.Status.Header.MemberId.ToString("x")));
            Assert.That(manifest.MemberName, Is.EqualTo("m1"));
            Assert.That(manifest.Revision, Is.EqualTo(connection.Status.Header.Revision));
            Assert.That(manifest.RaftIndex, Is.GreaterThan(0));
            Assert.That(manifest.DbSizeBytes, Is.EqualTo(manifest.SizeBytes - 32));
            Assert.That(manifest.KeyCount, Is.EqualTo(5));
            Assert.That(manifest.CreatedAt.Offset, Is.EqualTo(TimeSpan.Zero));
            Assert.That(manifest.Host, Is.EqualTo(Environment.MachineName));
            Assert.That(result["createdAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(manifest.CreatedAt));
            Assert.That(result["revision"]!.GetValue<long>(), Is.EqualTo(manifest.Revision));
        });
    }

    internal static async Task<Dictionary<string, string>> WriteRegistryKeysAsync(EtcdCluster cluster, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var value = RandomNumberGenerator.GetBytes(64 + i % 512);
            await cluster.PutAsync($"/registry/pods/default/pod-{i:D4}", value);
        }

        return await cluster.ReadAsync(cluster.Members[0], "/registry/");
    }

    /// <summary>Restores with etcd's own tool into a fresh single member, starts it, reads /registry/ back.</summary>
    internal static Task<Dictionary<string, string>> RestoreAndReadAsync(EtcdCluster cluster, TempDirectory scratch, string snapshot) =>
        RestoreAndReadAsync(cluster.Binaries, scratch, snapshot);

    /// <summary>The same with <paramref name="binaries"/>' tools, for a snapshot that came from elsewhere.</summary>
    internal static async Task<Dictionary<string, string>> RestoreAndReadAsync(EtcdBinaries binaries, TempDirectory scratch, string snapshot)
    {
        var member = new EtcdMember("restored", new Uri($"http://127.0.0.1:{EtcdCluster.FreePort()}"),
            new Uri($"http://127.0.0.1:{EtcdCluster.FreePort()}"), scratch.Combine("restored"));
        var initialCluster = $"restored={member.PeerUrl.ToString().TrimEnd('/')}";
        await Run(binaries.OfflineTool, ["snapshot", "restore", snapshot, "--data-dir", member.DataDir, "--name", member.Name,
            "--initial-cluster", initialCluster, "--initial-advertise-peer-urls", member.PeerUrl.ToString().TrimEnd('/')]);
        await using var restored = await EtcdCluster.StartExistingAsync(binaries, member, initialCluster);
        return await restored.ReadAsync(member, "/registry/");
    }

    internal static async Task<ProcessResult> Run(string tool, string[] arguments)
    {
        var result = await ProcessRunner.RunAsync(tool, arguments, new Dictionary<string, string> { ["ETCDCTL_API"] = "3" });
        Assert.That(result.ExitCode, Is.Zero, () => $"{tool} {string.Join(' ', arguments)} failed: {result}");
        return result;
    }
}
