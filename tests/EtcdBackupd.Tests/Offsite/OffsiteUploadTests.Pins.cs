using System.Text.Json.Nodes;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Offsite;

internal sealed partial class OffsiteUploadTests
{
    /// <summary>
    /// A pin made after the upload reaches the bucket's manifest, where off-site retention on any master
    /// reads it, and an unpin clears it there: the real daemon, the object store, <c>list --offsite</c>.
    /// </summary>
    [Test]
    [CancelAfter(240_000)]
    public async Task Pin_AfterTheUpload_ReachesTheBucketsManifest_AndUnpinClearsIt()
    {
        await using var cluster = await EtcdCluster.StartAsync(EtcdBinaries.V34, 1);
        var bucket = await BucketAsync("pins");
        await using var host = await ControlledDaemon.StartAsync("offsite-pins", cluster, c =>
            c["Offsite"] = new JsonObject { ["Targets"] = new JsonArray(_store.TargetJson("a", bucket, "cluster-1/", _credentials)), ["Attempts"] = 1 });
        string? name = null;
        await Eventually.UntilAsync(async () => (name = (await OffsiteEntriesAsync(host.Socket)).FirstOrDefault(e => e.State == "ok").File) is not null,
            TimeSpan.FromSeconds(60), () => "the first snapshot's off-site copy:\n" + host.Daemon.Log);

        var pin = await Backupctl.RunAsync(host.Socket, "pin", name!, "before-upgrade");
        var pinned = (await OffsiteEntriesAsync(host.Socket)).Single(e => e.File == name);
        var unpin = await Backupctl.RunAsync(host.Socket, "unpin", name!);
        var unpinned = (await OffsiteEntriesAsync(host.Socket)).Single(e => e.File == name);

        Assert.That((pin.ExitCode, unpin.ExitCode), Is.EqualTo((0, 0)), pin + "\n" + unpin);
        Assert.That(pinned.Pin, Is.EqualTo("before-upgrade"), host.Daemon.Log);
        Assert.That(unpinned.Pin, Is.Null, host.Daemon.Log);
        Assert.That(host.Daemon.Log, Does.Contain("now has this master's pin (before-upgrade)").And.Contain("now has this master's pin (none)"));
    }

    private static async Task<List<(string? File, string State, string? Pin)>> OffsiteEntriesAsync(string socket)
    {
        var list = await Backupctl.RunAsync(socket, "list", "--offsite", "--json");
        return [.. JsonNode.Parse(list.StandardOutput)!["targets"]![0]!["entries"]!.AsArray()
            .Select(e => (e!["file"]?.GetValue<string>(), e["state"]!.GetValue<string>(), e["pin"]?["label"]?.GetValue<string>()))];
    }
}
