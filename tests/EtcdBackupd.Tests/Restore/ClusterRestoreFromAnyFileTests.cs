using EtcdBackupd.Snapshots;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Restore;

/// <summary>
/// The disaster: every master lost its data and its snapshot directory; what is left is a snapshot
/// an operator saved with <c>etcdctl snapshot save</c> long ago, with no manifest, in a root-only directory
/// outside every snapshot directory. <c>restore FILE --cluster --yes</c> checks it, imports it (so every
/// member names it the same way), pushes it and brings back every key. Three masters, real etcd, real sshd.
/// </summary>
[Parallelizable(ParallelScope.None)]
internal sealed class ClusterRestoreFromAnyFileTests
{
    [TestCaseSource(typeof(ClusterRestoreTests), nameof(ClusterRestoreTests.Versions))]
    [CancelAfter(300_000)]
    public async Task ClusterRestore_OfACronEraFileWithoutManifest_AfterEveryMemberLostDataAndSnapshots_BringsBackEveryKey(string version)
    {
        var etcd = EtcdBinaries.Of(version);
        await using var masters = await Masters.StartAsync(etcd);
        using var offsite = new TempDirectory("offsite");
        File.SetUnixFileMode(offsite.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var before = await ClusterRestoreTests.WriteKubernetesLikeKeysAsync(masters);
        var file = offsite.Combine("etcd-cron-2026-01-01.db");
        var saved = await ProcessRunner.RunAsync(etcd.Etcdctl, ["--endpoints", masters.All[0].ClientUrl.ToString(), "snapshot", "save", file],
            new Dictionary<string, string> { ["ETCDCTL_API"] = "3" });
        Assert.That(saved.ExitCode, Is.Zero, saved.ToString);
        await masters.PutAsync("/registry/pods/default/written-after-the-snapshot", "{}");
        masters.LoseTheData();
        foreach (var m in masters.All)
        {
            foreach (var f in Directory.GetFiles(m.Snapshots))
            {
                File.Delete(f);
            }
        }

        var plan = await Backupctl.RunAsync(masters.All[0].Socket, "restore", file, "--cluster", "--dry-run", "--json");
        var table = await Backupctl.RunAsync(masters.All[0].Socket, "restore", file, "--cluster", "--dry-run");
        // Only an import counts: a daemon's catch-up snapshot may still land here on a slow machine.
        var importedByDryRun = Directory.GetFiles(masters.All[0].Snapshots, "*-imported-*");
        var restore = await Backupctl.RunAsync(masters.All[0].Socket, "restore", file, "--cluster", "--yes");

        var planned = System.Text.Json.Nodes.JsonNode.Parse(plan.StandardOutput)!;
        Assert.That(planned["withoutManifest"]!["totalKeys"]!.GetValue<long>(), Is.GreaterThanOrEqualTo(before.Length), plan.ToString);
        Assert.That(planned["sha256"]!.GetValue<string>(), Is.EqualTo(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(file)))));
        Assert.That(importedByDryRun, Is.Empty, "a dry run imports nothing");
        Assert.That(table.StandardOutput, Does.Contain("none: etcd's snapshot status stands in for it"), table.ToString);

        Assert.That(restore.ExitCode, Is.Zero, () => restore + string.Join("\n", masters.All.Select(masters.Log)));
        Assert.That(restore.StandardError, Does.Contain($"imported '{file}' as ").And.Contain("snapshot status stands in for it"), restore.ToString);
        var names = new List<string>();
        foreach (var m in masters.All)
        {
            Assert.That(await masters.RegistryKeysAsync(m), Is.EqualTo(before), $"{m.Name} serves the snapshot's keys, and only those");
            var held = Directory.GetFiles(m.Snapshots, "etcd-snapshot-*-imported-r*.db").Single();
            Assert.That(ManifestFile.TryRead(SnapshotFileName.ManifestOf(held))?.Imported?.Origin, Is.EqualTo(file), $"{m.Name} holds it with the import's manifest");
            names.Add(Path.GetFileName(held));
        }

        Assert.That(names.Distinct().Count(), Is.EqualTo(1), "every member names it the same way");
        await masters.AssertOneConsistentClusterAsync();
    }
}
