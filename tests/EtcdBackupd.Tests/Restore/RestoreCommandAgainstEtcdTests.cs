using EtcdBackupd.Restore;
using EtcdBackupd.Tests.Snapshots;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Restore;

/// <summary>The restore command line built from a unit is one etcd's own tools accept and restore from.</summary>
[TestFixtureSource(typeof(EtcdBinaries), nameof(EtcdBinaries.All))]
[Parallelizable(ParallelScope.None)]
internal sealed class RestoreCommandAgainstEtcdTests(EtcdBinaries etcd)
{
    [Test]
    [CancelAfter(120_000)]
    public async Task RestoreCommand_FromTheUnitsFlags_RestoresEveryKeyWithEtcdsOwnTool()
    {
        using var dir = new TempDirectory("restore-cmd");
        await using var cluster = await EtcdCluster.StartAsync(etcd, 1);
        var written = await SnapshotAgainstEtcdTests.WriteRegistryKeysAsync(cluster, 30);
        var snapshot = Backupd.ParseResult(await Backupd.SnapshotAsync(Backupd.WriteConfig(dir.Combine("config.json"), cluster, dir.Path)))["path"]!.GetValue<string>();
        var member = new EtcdMember("r1", new Uri($"http://127.0.0.1:{EtcdCluster.FreePort()}"), new Uri($"http://127.0.0.1:{EtcdCluster.FreePort()}"), dir.Combine("restored"));
        var peer = member.PeerUrl.ToString().TrimEnd('/');
        var unitPath = dir.Combine("etcd.service");
        await File.WriteAllTextAsync(unitPath, $"""
            [Service]
            ExecStart={etcd.Etcd} --name=r1 --data-dir={member.DataDir} \
              --initial-cluster=r1={peer} --initial-cluster-token=restored --initial-advertise-peer-urls={peer}
            """);
        var parameters = MemberParameters.Resolve(ConfiguredParameters.None, EtcdUnit.Read(unitPath, p => File.Exists(p) ? File.ReadAllText(p) : null), []);

        var command = parameters.RestoreCommand(etcd.OfflineTool, snapshot, 1_000_000_000);
        await SnapshotAgainstEtcdTests.Run(command[0], [.. command.Skip(1)]);
        await using var restored = await EtcdCluster.StartExistingAsync(etcd, member, $"r1={peer}");

        Assert.That(await restored.ReadAsync(member, "/registry/"), Is.EquivalentTo(written));
        await using var connection = await restored.ConnectAsync(member);
        Assert.That(connection.Status.Header.Revision, etcd.Etcdutl is null ? Is.LessThan(1_000_000) : Is.GreaterThan(1_000_000_000),
            "etcdutl moves revisions forward past every revision a Kubernetes watcher has seen; etcdctl 3.4 cannot");
    }
}
