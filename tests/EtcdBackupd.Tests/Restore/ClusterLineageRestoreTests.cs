using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using EtcdBackupd.Lineage;
using EtcdBackupd.Snapshots;
using EtcdBackupd.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace EtcdBackupd.Tests.Restore;

/// <summary>
/// The right cluster, against three real masters: a snapshot whose manifest names another cluster is
/// refused unless the operator says so, and a restore's new cluster ID does not strand the snapshots
/// taken before it.
/// </summary>
[Parallelizable(ParallelScope.None)]
internal sealed class ClusterLineageRestoreTests
{
    [Test]
    [CancelAfter(180_000)]
    public async Task Restore_OfASnapshotOfAnotherCluster_IsRefusedWithoutOtherClusterAndTheDryRunSaysWhy()
    {
        await using var masters = await Masters.StartAsync(EtcdBinaries.V35);
        var snapshot = await ClusterRestoreTests.SnapshotAsync(masters);
        var foreign = ForeignCopy(masters.All[0].Snapshots, snapshot, "c0ffee0ddba11");
        string live;
        await using (var connection = await masters.ConnectAsync(masters.All[0]))
        {
            live = connection.Status.Header.ClusterId.ToString("x", CultureInfo.InvariantCulture);
        }

        var running = masters.Services();
        var plan = await Backupctl.RunAsync(masters.All[0].Socket, "restore", foreign, "--cluster", "--dry-run", "--json");
        var table = await Backupctl.RunAsync(masters.All[0].Socket, "restore", foreign, "--cluster", "--dry-run", "--wide");
        var cluster = await Backupctl.RunAsync(masters.All[0].Socket, "restore", foreign, "--cluster", "--yes");
        var member = await Backupctl.RunAsync(masters.All[0].Socket, "restore", foreign, "--yes");
        var meant = await Backupctl.RunAsync(masters.All[0].Socket, "restore", foreign, "--cluster", "--dry-run", "--other-cluster", "--json");

        var verdict = JsonNode.Parse(plan.StandardOutput)!["cluster"]!;
        Assert.That(plan.ExitCode, Is.EqualTo(1), plan.ToString);
        Assert.That((verdict["verdict"]!.GetValue<string>(), verdict["refused"]!.GetValue<bool>(), verdict["liveClusterId"]!.GetValue<string>()),
            Is.EqualTo(("other", true, live)), plan.StandardOutput);
        Assert.That(table.StandardOutput, Does.Contain($"REFUSED: the snapshot is of cluster c0ffee0ddba11; this cluster is {live}"), table.ToString);
        foreach (var refused in new[] { cluster, member })
        {
            Assert.That(refused.ExitCode, Is.EqualTo(1), refused.ToString);
            Assert.That(refused.StandardError, Does.Contain("restore refused: the snapshot is of cluster c0ffee0ddba11")
                .And.Contain("replaces this cluster's data with another cluster's: add --other-cluster if that is what you mean; nothing was stopped"));
        }

        Assert.That(masters.Services(), Is.EqualTo(running), "every etcd is the same process and every API server stand-in still runs");
        Assert.That(meant.ExitCode, Is.Zero, meant.ToString);
        Assert.That(JsonNode.Parse(meant.StandardOutput)!["cluster"]!["refused"]!.GetValue<bool>(), Is.False, "--other-cluster lifts the refusal");
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task DryRun_OfAFileFromOutsideTheDirectory_JudgesItsClusterAndEtcdVersionByTheManifestSent_AsTheRealRestoreWill()
    {
        await using var masters = await Masters.StartAsync(EtcdBinaries.V35);
        var m1 = masters.All[0];
        var snapshot = await ClusterRestoreTests.SnapshotAsync(masters);
        using var elsewhere = new TempDirectory("foreign-elsewhere");
        File.Copy(Path.Combine(m1.Snapshots, snapshot), elsewhere.Combine(snapshot));
        File.Copy(SnapshotFileName.ManifestOf(Path.Combine(m1.Snapshots, snapshot)), SnapshotFileName.ManifestOf(elsewhere.Combine(snapshot)));
        var foreign = elsewhere.Combine(ForeignCopy(elsewhere.Path, snapshot, "c0ffee0ddba11"));
        const string absent = "etcd-snapshot-20200101T000000Z-m9-r42.db";
        // This cluster's snapshot, its manifest saying an etcd two minor versions older took it: no etcd 3.5 restores that.
        using var older = new TempDirectory("older-etcd");
        var olderName = System.Text.RegularExpressions.Regex.Replace(snapshot, @"\d{8}T\d{6}Z", "20200101T000000Z");
        File.Copy(Path.Combine(m1.Snapshots, snapshot), older.Combine(olderName));
        var ours = SnapshotManifest.FromJson(File.ReadAllBytes(SnapshotFileName.ManifestOf(Path.Combine(m1.Snapshots, snapshot))))!;
        File.WriteAllBytes(SnapshotFileName.ManifestOf(older.Combine(olderName)), (ours with { FileName = olderName, EtcdVersion = "3.3.0" }).ToJson());
        var memberOlder = await Backupctl.RunAsync(m1.Socket, "restore", older.Combine(olderName), "--dry-run", "--json");
        var clusterOlder = await Backupctl.RunAsync(m1.Socket, "restore", older.Combine(olderName), "--cluster", "--dry-run", "--json");

        var member = await Backupctl.RunAsync(m1.Socket, "restore", foreign, "--dry-run", "--json");
        var cluster = await Backupctl.RunAsync(m1.Socket, "restore", foreign, "--cluster", "--dry-run", "--json");
        var memberAbsent = await Backupctl.RunAsync(m1.Socket, "restore", absent, "--dry-run", "--json");
        var clusterAbsent = await Backupctl.RunAsync(m1.Socket, "restore", absent, "--cluster", "--dry-run");

        foreach (var plan in new[] { member, cluster })
        {
            Assert.That(plan.ExitCode, Is.EqualTo(1), plan.ToString);
            var verdict = JsonNode.Parse(plan.StandardOutput)!["cluster"]!;
            Assert.That((verdict["verdict"]!.GetValue<string>(), verdict["refused"]!.GetValue<bool>()), Is.EqualTo(("other", true)), plan.StandardOutput);
        }

        const string tooOld = "the snapshot was taken by etcd 3.3.0; etcd 3.5";
        Assert.That(memberOlder.ExitCode, Is.EqualTo(1), memberOlder.ToString);
        Assert.That(JsonNode.Parse(memberOlder.StandardOutput)!["problems"]!.AsArray().Select(p => p!.GetValue<string>()), Has.One.StartWith(tooOld));
        Assert.That(clusterOlder.ExitCode, Is.EqualTo(1), clusterOlder.ToString);
        Assert.That(JsonNode.Parse(clusterOlder.StandardOutput)!["members"]![0]!["problems"]!.AsArray().Select(p => p!.GetValue<string>()), Has.One.StartWith(tooOld));
        var copies = JsonNode.Parse(cluster.StandardOutput)!["members"]!.AsArray().Skip(1).Select(m => m!["copy"]!.GetValue<string>());
        Assert.That(copies, Is.All.EqualTo("missing: would be pushed"), "the peers hold the cluster's own snapshot, not the file sent");
        Assert.That(memberAbsent.ExitCode, Is.EqualTo(1), memberAbsent.ToString);
        Assert.That(JsonNode.Parse(memberAbsent.StandardOutput)!["problems"]!.AsArray().Select(p => p!.GetValue<string>()),
            Has.One.EqualTo($"'{Path.Combine(m1.Snapshots, absent)}' does not exist: a restore of it would stop at once"));
        Assert.That(clusterAbsent.ExitCode, Is.EqualTo(1), clusterAbsent.ToString);
        Assert.That(clusterAbsent.StandardError, Does.Contain("does not exist here: a cluster restore of it would stop at once"));
        Assert.That(Directory.GetFiles(m1.Snapshots).Select(Path.GetFileName), Has.None.EqualTo(Path.GetFileName(foreign)), "a dry run imports nothing");
    }

    [Test]
    [CancelAfter(240_000)]
    public async Task Restore_OfASnapshotTakenBeforeAnEarlierRestore_GoesAheadWithoutOtherCluster()
    {
        await using var masters = await Masters.StartAsync(EtcdBinaries.V35);
        var keys = await ClusterRestoreTests.WriteKubernetesLikeKeysAsync(masters);
        var snapshot = await ClusterRestoreTests.SnapshotAsync(masters);
        var first = await Backupctl.RunAsync(masters.All[0].Socket, "restore", snapshot, "--cluster", "--yes");
        Assert.That(first.ExitCode, Is.Zero, () => first + string.Join("\n", masters.All.Select(masters.Log)));
        string restored;
        await using (var connection = await masters.ConnectAsync(masters.All[0]))
        {
            restored = connection.Status.Header.ClusterId.ToString("x", CultureInfo.InvariantCulture);
        }

        var taken = SnapshotManifest.FromJson(File.ReadAllBytes(SnapshotFileName.ManifestOf(Path.Combine(masters.All[0].Snapshots, snapshot))))!.ClusterId;
        Assert.That(restored, Is.Not.EqualTo(taken), "the restore gave the cluster a new ID");
        foreach (var m in masters.All)
        {
            var lineage = new ClusterLineage(masters.StateDirectory(m), TimeProvider.System, NullLogger.Instance).Read().Select(e => e.ClusterId);
            Assert.That(lineage, Does.Contain(restored), $"{m.Name} recorded the restored cluster's ID");
        }

        await masters.PutAsync("/registry/pods/default/written-after-the-first-restore", "{}");
        var plan = await Backupctl.RunAsync(masters.All[0].Socket, "restore", snapshot, "--cluster", "--dry-run", "--json");
        var again = await Backupctl.RunAsync(masters.All[0].Socket, "restore", snapshot, "--cluster", "--yes");

        Assert.That(JsonNode.Parse(plan.StandardOutput)!["cluster"]!["verdict"]!.GetValue<string>(), Is.EqualTo("lineage"), plan.ToString);
        Assert.That(again.ExitCode, Is.Zero, () => again + string.Join("\n", masters.All.Select(masters.Log)));
        foreach (var m in masters.All)
        {
            Assert.That(await masters.RegistryKeysAsync(m), Is.EqualTo(keys), $"{m.Name} serves the older snapshot's keys");
        }
    }

    [Test]
    [CancelAfter(240_000)]
    public async Task ClusterRestore_APeersCopyCorruptedUnderAGoodManifest_IsPushedAgainAndTheRestoreSucceeds()
    {
        await using var masters = await Masters.StartAsync(EtcdBinaries.V35);
        var keys = await ClusterRestoreTests.WriteKubernetesLikeKeysAsync(masters);
        var snapshot = await ClusterRestoreTests.SnapshotAsync(masters);
        var copy = Path.Combine(masters.All[1].Snapshots, snapshot);
        var bytes = await File.ReadAllBytesAsync(copy);
        bytes[bytes.Length / 2] ^= 0xFF;
        await File.WriteAllBytesAsync(copy, bytes);

        var restore = await Backupctl.RunAsync(masters.All[0].Socket, "restore", snapshot, "--cluster", "--yes");

        Assert.That(restore.ExitCode, Is.Zero, () => restore + string.Join("\n", masters.All.Select(masters.Log)));
        Assert.That(restore.StandardError, Does.Contain("its copy failed the check: this master's verified copy is pushed there again")
            .And.Contain("received this master's copy again"));
        var manifest = SnapshotManifest.FromJson(File.ReadAllBytes(SnapshotFileName.ManifestOf(copy)))!;
        Assert.That(Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(copy))), Is.EqualTo(manifest.Sha256), "the peer holds a good copy again");
        foreach (var m in masters.All)
        {
            Assert.That(await masters.RegistryKeysAsync(m), Is.EqualTo(keys), $"{m.Name} serves the snapshot's keys");
        }
    }

    /// <summary>
    /// The snapshot under a newer name with a manifest naming cluster <paramref name="clusterId"/>, as a
    /// snapshot copied over from another cluster would have; its file name.
    /// </summary>
    private static string ForeignCopy(string directory, string snapshot, string clusterId)
    {
        var time = DateTimeOffset.UtcNow.AddMinutes(5).ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var name = System.Text.RegularExpressions.Regex.Replace(snapshot, @"\d{8}T\d{6}Z", time);
        File.Copy(Path.Combine(directory, snapshot), Path.Combine(directory, name));
        var manifest = SnapshotManifest.FromJson(File.ReadAllBytes(SnapshotFileName.ManifestOf(Path.Combine(directory, snapshot))))!;
        File.WriteAllBytes(SnapshotFileName.ManifestOf(Path.Combine(directory, name)),
            (manifest with { FileName = name, ClusterId = clusterId, Lineage = [clusterId] }).ToJson());
        return name;
    }
}
