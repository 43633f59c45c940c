using System.Text.Json.Nodes;
using EtcdBackupd.Snapshots;
using EtcdBackupd.State;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Peers;

/// <summary>
/// What a peer did not take when it was down, kept in the copy ledger and sent once it answers again: a pin's
/// manifest (else remote retention there may prune the pinned copy) and an imported snapshot's copy. Three
/// masters, real daemons and a real sshd that is stopped and started again.
/// </summary>
[Parallelizable(ParallelScope.None)]
internal sealed class OwedSendsOnMastersTests
{
    private static readonly TimeSpan Arrival = TimeSpan.FromSeconds(60);

    /// <summary>Every send owed again after 5 s, so that the tests wait seconds, not the default five minutes.</summary>
    private static Task<Masters> StartAsync(EtcdBinaries etcd) =>
        Masters.StartAsync(etcd, (i, config) => config["Peers"]!["RetrySeconds"] = 5);

    private static SnapshotPin? PinThere(Master m, string snapshot) =>
        ManifestFile.TryRead(Path.Combine(m.Snapshots, Path.GetFileName(SnapshotFileName.ManifestOf(snapshot))))?.Pin;

    private static IReadOnlyList<OwedSend> Owed(Masters masters, Master m) => new CopyLedger(masters.StateDirectory(m)).Owed();

    private static Task PeersBackAsync(Masters masters) =>
        masters.Ssh!.StartAsync(Path.Combine(Path.GetDirectoryName(masters.All[0].Socket)!, $"sshd-{Guid.NewGuid():N}.log"));

    [Test]
    [CancelAfter(240_000)]
    public async Task Pin_WhileThePeerIsDown_IsOwedAcrossADaemonRestartAndReachesThePeerWhenItAnswers_AndSoDoesALaterUnpin()
    {
        await using var masters = await StartAsync(EtcdBinaries.V34);
        var (m1, m2, m3) = (masters.All[0], masters.All[1], masters.All[2]);
        var snapshot = SyntheticSnapshots.Write(m1.Snapshots, DateTimeOffset.UtcNow.AddDays(-40), revision: 7, withManifest: true);
        File.Copy(snapshot, Path.Combine(m2.Snapshots, Path.GetFileName(snapshot)));
        File.Copy(SnapshotFileName.ManifestOf(snapshot), Path.Combine(m2.Snapshots, Path.GetFileName(SnapshotFileName.ManifestOf(snapshot))));

        masters.Ssh!.Stop();
        var pin = await Backupctl.RunAsync(m1.Socket, "pin", Path.GetFileName(snapshot), "before-etcd-3.5.17");
        var owedAtPin = Owed(masters, m1);
        await masters.KillAndRestartDaemonAsync(m1);
        await PeersBackAsync(masters);

        Assert.That(pin.ExitCode, Is.EqualTo(5), pin.ToString);
        // Read across the table's wrapping: the peers behind the one sshd here are named with their directories, which makes the rows wrap.
        Assert.That(System.Text.RegularExpressions.Regex.Replace(pin.StandardOutput, @"[\s|]+", " "), Does.Contain("owed: the daemon sends it again"), pin.ToString);
        Assert.That(owedAtPin.Select(o => (o.Snapshot, o.Kind, o.Directory)).Order(),
            Is.EqualTo(new[] { m2, m3 }.Select(m => (Path.GetFileName(snapshot), OwedKind.Manifest, m.Snapshots)).Order()), "both peers are owed the manifest");
        await Eventually.UntilAsync(() => PinThere(m2, snapshot)?.Label == "before-etcd-3.5.17", Arrival, () => "the pin to reach m2\n" + masters.Log(m1));
        await Eventually.UntilAsync(() => Owed(masters, m1).Count == 0, Arrival, () => "the ledger to settle\n" + masters.Log(m1));
        Assert.That(File.Exists(Path.Combine(m3.Snapshots, Path.GetFileName(SnapshotFileName.ManifestOf(snapshot)))), Is.False,
            "m3 holds no copy and gets no manifest");
        Assert.That(m1.Daemon!.Log, Does.Contain("owed since"), "the daemon says it sent what was owed");

        masters.Ssh.Stop();
        var unpin = await Backupctl.RunAsync(m1.Socket, "unpin", Path.GetFileName(snapshot));
        await PeersBackAsync(masters);

        Assert.That(unpin.ExitCode, Is.EqualTo(5), unpin.ToString);
        await Eventually.UntilAsync(() => PinThere(m2, snapshot) is null && Owed(masters, m1).Count == 0, Arrival,
            () => "the unpin to reach m2\n" + masters.Log(m1));
    }

    [Test]
    [CancelAfter(240_000)]
    public async Task Import_OfACronEraFile_GoesToEveryPeer_AndOneMadeWhileThePeersAreDownArrivesWhenTheyAnswer()
    {
        var etcd = EtcdBinaries.V35;
        await using var masters = await StartAsync(etcd);
        using var offsite = new TempDirectory("owed-import");
        var first = await SaveAsync(etcd, masters, offsite.Combine("etcd-cron-2026-01-01.db"));
        var imported = await Backupctl.RunAsync(masters.All[0].Socket, "import", first, "--json");

        Assert.That(imported.ExitCode, Is.Zero, () => imported + masters.Log(masters.All[0]));
        var name = Path.GetFileName(JsonNode.Parse(imported.StandardOutput)!["path"]!.GetValue<string>());
        Assert.That(JsonNode.Parse(imported.StandardOutput)!["peers"]!.AsArray().Select(p => p!["ok"]!.GetValue<bool>()), Is.EqualTo(new[] { true, true }));
        foreach (var m in masters.All.Skip(1))
        {
            Assert.That(ManifestFile.TryRead(Path.Combine(m.Snapshots, SnapshotFileName.ManifestOf(name)))?.Imported?.Origin, Is.EqualTo(first),
                $"{m.Name} holds the imported snapshot with its manifest");
        }

        await masters.PutAsync("/registry/configmaps/default/after-the-first", "x");
        var second = await SaveAsync(etcd, masters, offsite.Combine("etcd-cron-2026-02-01.db"));
        masters.Ssh!.Stop();
        var whileDown = await Backupctl.RunAsync(masters.All[0].Socket, "import", second);
        var owed = Owed(masters, masters.All[0]);
        await PeersBackAsync(masters);

        Assert.That(whileDown.ExitCode, Is.EqualTo(5), whileDown.ToString);
        Assert.That(whileDown.StandardOutput, Does.Contain("FAILED").And.Contain("owed"), whileDown.ToString);
        Assert.That(owed.Select(o => o.Kind), Is.EqualTo(new[] { OwedKind.Copy, OwedKind.Copy }), "both peers are owed the copy");
        var secondName = owed[0].Snapshot;
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(await File.ReadAllBytesAsync(second)));
        await Eventually.UntilAsync(() => masters.All.Skip(1).All(m => ManifestFile.TryRead(Path.Combine(m.Snapshots, SnapshotFileName.ManifestOf(secondName))) is not null),
            Arrival, () => "the owed copies to arrive\n" + masters.Log(masters.All[0]));
        foreach (var m in masters.All.Skip(1))
        {
            Assert.That(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(m.Snapshots, secondName)))),
                Is.EqualTo(sha), $"{m.Name} holds the second file, byte for byte");
        }

        await Eventually.UntilAsync(() => Owed(masters, masters.All[0]).Count == 0, Arrival, "the ledger to settle");
    }

    private static async Task<string> SaveAsync(EtcdBinaries etcd, Masters masters, string file)
    {
        var saved = await ProcessRunner.RunAsync(etcd.Etcdctl, ["--endpoints", masters.All[0].ClientUrl.ToString(), "snapshot", "save", file],
            new Dictionary<string, string> { ["ETCDCTL_API"] = "3" });
        Assert.That(saved.ExitCode, Is.Zero, saved.ToString);
        return file;
    }
}
