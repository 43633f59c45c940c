using System.Text.Json.Nodes;
using EtcdBackupd.Snapshots;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Retention;

/// <summary>Pins through etcd-backupctl on a real daemon and a real etcd: what they write, what prune then keeps, who may set them.</summary>
[Parallelizable(ParallelScope.None)]
internal sealed class PinOnDaemonTests : DaemonOnOneMemberFixture
{
    protected override string DirectoryName => "pin";

    protected override void Configure(JsonObject config) => config["Control"]!["Group"] = "nogroup";

    private static SnapshotPin? PinOf(string snapshot) => ManifestFile.TryRead(SnapshotFileName.ManifestOf(snapshot))?.Pin;

    /// <summary>Three new snapshots, so that the rule's minimum of three newer verified ones never keeps an old one.</summary>
    private async Task TakeThreeNewSnapshotsAsync(string name)
    {
        for (var i = 0; i < 3; i++)
        {
            await Cluster.PutAsync($"/registry/configmaps/{name}-{i}", "x"u8.ToArray());
            var taken = await Backupctl.RunAsync(Socket, "snapshot");
            Assert.That(taken.ExitCode, Is.Zero, taken.ToString);
        }
    }

    [Test]
    [CancelAfter(90_000)]
    public async Task SnapshotPin_WritesThePinIntoTheManifestAndListStatusAndPruneKeepIt()
    {
        await Cluster.PutAsync("/registry/configmaps/before-upgrade", "x"u8.ToArray());

        var taken = await Backupctl.RunAsync(Socket, "snapshot", "--pin", "before-etcd-3.5.17", "--json");
        Assert.That(taken.ExitCode, Is.Zero, taken.ToString);
        var path = JsonNode.Parse(taken.StandardOutput)!["path"]!.GetValue<string>();
        var pruned = await Backupctl.RunAsync(Socket, "prune");
        var list = await Backupctl.RunAsync(Socket, "list", "--json");
        var status = await Backupctl.RunAsync(Socket, "status");

        Assert.That(PinOf(path)?.Label, Is.EqualTo("before-etcd-3.5.17"));
        Assert.That(JsonNode.Parse(taken.StandardOutput)!["pinned"]!["pin"]!["label"]!.GetValue<string>(), Is.EqualTo("before-etcd-3.5.17"));
        Assert.That(pruned.ExitCode, Is.Zero, pruned.ToString);
        Assert.That(File.Exists(path), Is.True);
        Assert.That(JsonNode.Parse(list.StandardOutput)!.AsArray().Single(e => e!["path"]!.GetValue<string>() == path)!["pin"]?["label"]?.GetValue<string>(),
            Is.EqualTo("before-etcd-3.5.17"), list.ToString);
        Assert.That(status.StandardOutput, Does.Match($@"\| PINNED +\| before-etcd-3\.5\.17: {Path.GetFileName(path).Replace(".", @"\.")}"), status.ToString);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Pin_ASnapshotOlderThanTheWindow_SurvivesPruneWhileAnUnpinnedOneAsOldGoesUntilItIsUnpinned()
    {
        await TakeThreeNewSnapshotsAsync("window");
        // Written after the snapshots: each snapshot is followed by a retention run that would remove them.
        var pinned = SyntheticSnapshots.Write(SnapshotsDirectory, DateTimeOffset.UtcNow.AddDays(-90), revision: 7, withManifest: true);
        var unpinned = SyntheticSnapshots.Write(SnapshotsDirectory, DateTimeOffset.UtcNow.AddDays(-91), revision: 6, withManifest: true);

        var pin = await Backupctl.RunAsync(Socket, "pin", Path.GetFileName(pinned), "keep-for-audit");
        var prune = await Backupctl.RunAsync(Socket, "prune");

        Assert.That(pin.ExitCode, Is.Zero, pin.ToString);
        Assert.That(prune.ExitCode, Is.Zero, prune.ToString);
        Assert.That((File.Exists(pinned), File.Exists(unpinned)), Is.EqualTo((true, false)), prune.ToString);

        var unpin = await Backupctl.RunAsync(Socket, "unpin", Path.GetFileName(pinned));
        var pruneAgain = await Backupctl.RunAsync(Socket, "prune");

        Assert.That(unpin.ExitCode, Is.Zero, unpin.ToString);
        Assert.That(pruneAgain.StandardOutput, Does.Contain(Path.GetFileName(pinned)), pruneAgain.ToString);
        Assert.That(File.Exists(pinned), Is.False);
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task PinUnpinAndSnapshotPin_ByNobodyInTheControlGroup_AreRefusedAndNoManifestChanges()
    {
        var snapshot = SyntheticSnapshots.Write(SnapshotsDirectory, DateTimeOffset.UtcNow.AddDays(-2), revision: 5, withManifest: true);
        var before = await File.ReadAllBytesAsync(SnapshotFileName.ManifestOf(snapshot));
        var count = Directory.GetFiles(SnapshotsDirectory, "*.db").Length;

        var pin = await Backupctl.RunAsAsync("nobody", "nogroup", Socket, "pin", Path.GetFileName(snapshot), "mine");
        var unpin = await Backupctl.RunAsAsync("nobody", "nogroup", Socket, "unpin", Path.GetFileName(snapshot));
        var snapshotPin = await Backupctl.RunAsAsync("nobody", "nogroup", Socket, "snapshot", "--pin", "mine");

        Assert.That((pin.ExitCode, unpin.ExitCode, snapshotPin.ExitCode), Is.EqualTo((1, 1, 1)), $"{pin}\n{unpin}\n{snapshotPin}");
        Assert.That(pin.StandardError, Does.Contain("pin failed (forbidden)").And.Contain("needs root"));
        Assert.That(unpin.StandardError, Does.Contain("unpin failed (forbidden)"));
        Assert.That(snapshotPin.StandardError, Does.Contain("snapshot failed (forbidden)").And.Contain("snapshot without --pin"));
        Assert.That(await File.ReadAllBytesAsync(SnapshotFileName.ManifestOf(snapshot)), Is.EqualTo(before));
        Assert.That(Directory.GetFiles(SnapshotsDirectory, "*.db"), Has.Length.EqualTo(count), "a refused snapshot --pin takes no snapshot");
        await Daemon.WaitForLogAsync("Control request 'pin' refused for uid 65534", TimeSpan.FromSeconds(10));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Pin_ALabelWithASpace_IsAUsageErrorThatNamesTheCharacter()
    {
        var snapshot = SyntheticSnapshots.Write(SnapshotsDirectory, DateTimeOffset.UtcNow.AddDays(-3), revision: 4, withManifest: true);

        var result = await Backupctl.RunAsync(Socket, "pin", Path.GetFileName(snapshot), "before upgrade");

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString);
        Assert.That(result.StandardError, Does.Contain("pin failed (bad_request)").And.Contain("U+0020"));
        Assert.That(PinOf(snapshot), Is.Null);
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Pin_WhenTheManifestCannotBeRewritten_FailsNamingItAndTheDaemonStillServes()
    {
        var snapshot = SyntheticSnapshots.Write(SnapshotsDirectory, DateTimeOffset.UtcNow.AddDays(-4), revision: 5, withManifest: true);
        // A directory, not empty, where the durable write puts its NAME.part: as a full disk would, the write fails.
        var blocker = Directory.CreateDirectory(SnapshotFileName.ManifestOf(snapshot) + ".part");
        File.WriteAllText(Path.Combine(blocker.FullName, "in-the-way"), "x");
        try
        {
            var result = await Backupctl.RunAsync(Socket, "pin", Path.GetFileName(snapshot), "keep");
            var list = await Backupctl.RunAsync(Socket, "list");

            Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString);
            Assert.That(result.StandardError, Does.Contain("pin failed (failed)").And.Contain("could not be rewritten").And.Contain("the pin may not be written"),
                result.ToString);
            Assert.That(PinOf(snapshot), Is.Null);
            Assert.That(list.ExitCode, Is.Zero, list.ToString);
        }
        finally
        {
            blocker.Delete(recursive: true);
        }
    }
}
