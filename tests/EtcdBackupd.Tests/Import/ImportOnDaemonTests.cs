using System.Text.Json.Nodes;
using EtcdBackupd.FileSystem;
using EtcdBackupd.Snapshots;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Import;

/// <summary>
/// A cron-era snapshot (<c>etcdctl snapshot save</c>, no manifest) kept outside the snapshot directory, in a
/// directory only root may enter: <c>verify</c> reads it through the file the CLI sends, <c>import</c> makes it
/// one of ours, and list, verify and retention then treat it like the daemon's own. Real daemon, real etcd.
/// </summary>
[Parallelizable(ParallelScope.None)]
internal sealed class ImportOnDaemonTests : DaemonOnOneMemberFixture
{
    protected override string DirectoryName => "import";

    protected override void Configure(JsonObject config) => config["Control"]!["Group"] = "nogroup";

    /// <summary>A snapshot saved by etcd's own client into a 0700 directory, its modification time set to <paramref name="age"/> ago.</summary>
    private async Task<string> CronEraSnapshotAsync(string name, TimeSpan age)
    {
        var offsite = Dir.Combine("offsite");
        Directory.CreateDirectory(offsite);
        File.SetUnixFileMode(offsite, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var file = Path.Combine(offsite, name);
        var saved = await ProcessRunner.RunAsync(Cluster.Binaries.Etcdctl, ["--endpoints", Cluster.Members[0].ClientUrl.ToString(), "snapshot", "save", file],
            new Dictionary<string, string> { ["ETCDCTL_API"] = "3" });
        Assert.That(saved.ExitCode, Is.Zero, saved.ToString);
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow - age);
        return file;
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Verify_OfASentFileWhoseSenderHadReadPartOfIt_ChecksTheWholeFileFromItsStart()
    {
        var file = await CronEraSnapshotAsync("read-a-little.db", TimeSpan.Zero);
        using var sent = SentFileRequests.Open(file);
        // A script that looked at the file's head before sending it: the descriptor's offset is 512 bytes in.
        Assert.That(SenderOffset.Seek((int)sent.DangerousGetHandle(), 512, 0), Is.EqualTo(512));

        var answer = await SentFileRequests.SendAsync(Socket, "{\"command\":\"verify\",\"file\":\"" + file + "\",\"descriptor\":{}}", sent);

        Assert.That(SentFileRequests.Code(answer), Is.EqualTo("(ok)"), answer.ToJsonString());
        Assert.That(answer["result"]?["sizeBytes"]?.GetValue<long>(), Is.EqualTo(new FileInfo(file).Length), answer.ToJsonString());
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Verify_ACronEraFileOutsideTheDirectory_ChecksTheTrailerAndShowsWhatEtcdsToolReports()
    {
        var file = await CronEraSnapshotAsync("verify-me.db", TimeSpan.Zero);

        var verify = await Backupctl.RunAsync(Socket, "verify", file, "--json");
        var table = await Backupctl.RunAsync(Socket, "verify", file);

        Assert.That(verify.ExitCode, Is.Zero, verify.ToString);
        var result = JsonNode.Parse(verify.StandardOutput)!;
        Assert.That(result["path"]!.GetValue<string>(), Is.EqualTo(file));
        Assert.That(result["trailer"]!.GetValue<string>(), Is.EqualTo("ok"));
        Assert.That(result["manifest"]!.GetValue<string>(), Is.EqualTo("missing"));
        Assert.That(result["etcd"]!["totalKeys"]!.GetValue<long>(), Is.GreaterThanOrEqualTo(20), verify.ToString);
        Assert.That(result["etcd"]!["revision"]!.GetValue<long>(), Is.GreaterThan(1));
        Assert.That(table.StandardOutput, Does.Contain("ETCD STATUS").And.Contain("etcdctl: hash"), table.ToString);
    }

    [Test]
    [CancelAfter(90_000)]
    public async Task Import_NeedsRoomForTheFileAndOneMebibyte_AndWithLessIsRefusedLeavingNothing()
    {
        var file = await CronEraSnapshotAsync("tight.db", TimeSpan.FromDays(1));
        var size = new FileInfo(file).Length;
        // Over the daemon's directory, which it opens by path: its own files come back when this is unmounted.
        await using var tmpfs = await Tmpfs.MountAsync(SnapshotsDirectory, "4m");
        tmpfs.LeaveFree(size + (1 << 20) - (64 << 10));

        var refused = await Backupctl.RunAsync(Socket, "import", file, "--json");

        Assert.That(refused.ExitCode, Is.Not.Zero, refused.ToString);
        Assert.That(refused.StandardError, Does.Contain("insufficient_space").And.Contain($"and {SnapshotsDirectory} has ")
            .And.Contain($" free; it needs {ByteSize.Words(size + FreeSpace.Headroom)} (with 1 MiB to spare); nothing was written"),
            refused.ToString);
        Assert.That(Directory.GetFileSystemEntries(SnapshotsDirectory).Select(Path.GetFileName), Is.EqualTo(new[] { "filler.bin" }), "nothing was written");

        File.Delete(Path.Combine(SnapshotsDirectory, "filler.bin"));
        tmpfs.LeaveFree(size + (1 << 20) + (64 << 10));
        var taken = await Backupctl.RunAsync(Socket, "import", file, "--json");

        Assert.That(taken.ExitCode, Is.Zero, taken.ToString);
        Assert.That(File.Exists(JsonNode.Parse(taken.StandardOutput)!["path"]!.GetValue<string>()), Is.True, taken.ToString);
    }

    [Test]
    [CancelAfter(90_000)]
    public async Task Import_ACronEraFile_NamesItByItsTimeAsImportedAndListVerifyAndRetentionTreatItAsOurs()
    {
        var file = await CronEraSnapshotAsync("etcd-2026-01.db", TimeSpan.FromDays(120));
        var modified = File.GetLastWriteTimeUtc(file);

        var import = await Backupctl.RunAsync(Socket, "import", file, "--json");
        var again = await Backupctl.RunAsync(Socket, "import", file, "--json");

        Assert.That(import.ExitCode, Is.Zero, import.ToString);
        var path = JsonNode.Parse(import.StandardOutput)!["path"]!.GetValue<string>();
        Assert.That(Path.GetDirectoryName(path), Is.EqualTo(SnapshotsDirectory.TrimEnd('/')));
        Assert.That(SnapshotFileName.TryParse(Path.GetFileName(path), out var createdAt, out var member, out var revision), Is.True, path);
        Assert.That(member, Is.EqualTo("imported"));
        Assert.That(createdAt.UtcDateTime, Is.EqualTo(modified).Within(TimeSpan.FromSeconds(1)));
        Assert.That(revision, Is.GreaterThan(1));
        var manifest = ManifestFile.TryRead(SnapshotFileName.ManifestOf(path))!;
        Assert.That(manifest.Imported, Is.Not.Null);
        Assert.That(manifest.Imported!.Origin, Is.EqualTo(file));
        Assert.That(manifest.Imported.HadManifest, Is.False);
        Assert.That(manifest.SchemaVersion, Is.EqualTo(SnapshotManifest.CurrentSchemaVersion));
        Assert.That(manifest.Sha256, Is.EqualTo(JsonNode.Parse(import.StandardOutput)!["sha256"]!.GetValue<string>()));
        Assert.That(JsonNode.Parse(again.StandardOutput)!["alreadyHere"]!.GetValue<bool>(), Is.True, again.ToString);

        var list = await Backupctl.RunAsync(Socket, "list", "--json");
        var verify = await Backupctl.RunAsync(Socket, "verify", Path.GetFileName(path), "--json");
        // Three newer snapshots of the daemon's own, so that the rule's minimum of three good ones does not keep the old one.
        for (var i = 0; i < 3; i++)
        {
            await Cluster.PutAsync($"/registry/configmaps/import-{i}", "x"u8.ToArray());
            Assert.That((await Backupctl.RunAsync(Socket, "snapshot")).ExitCode, Is.Zero);
        }

        var prune = await Backupctl.RunAsync(Socket, "prune");

        var listed = JsonNode.Parse(list.StandardOutput)!.AsArray().Single(e => e!["path"]!.GetValue<string>() == path)!;
        Assert.That(listed["member"]!.GetValue<string>(), Is.EqualTo("imported"), list.ToString);
        Assert.That(listed["verification"]!.GetValue<string>(), Is.EqualTo("ok"), list.ToString);
        Assert.That(JsonNode.Parse(verify.StandardOutput)!["manifest"]!.GetValue<string>(), Is.EqualTo("ok"), verify.ToString);
        Assert.That(prune.ExitCode, Is.Zero, prune.ToString);
        Assert.That(File.Exists(path) || File.Exists(SnapshotFileName.ManifestOf(path)), Is.False,
            "120 days old and unpinned: retention removes it like any other");
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Import_OfAnOldFileRetentionWouldRemove_SaysSoAtOnce_AndPinnedOrRecentDoesNot()
    {
        // Three newer snapshots of the daemon's own: the rule's minimum no longer keeps an old one.
        for (var i = 0; i < 3; i++)
        {
            await Cluster.PutAsync($"/registry/configmaps/past-retention-{i}", "x"u8.ToArray());
            Assert.That((await Backupctl.RunAsync(Socket, "snapshot")).ExitCode, Is.Zero);
        }

        var old = await Backupctl.RunAsync(Socket, "import", await CronEraSnapshotAsync("past-retention.db", TimeSpan.FromDays(90)));
        var oldJson = await Backupctl.RunAsync(Socket, "import", await CronEraSnapshotAsync("past-retention-2.db", TimeSpan.FromDays(91)), "--json");
        var pinned = await Backupctl.RunAsync(Socket, "import", await CronEraSnapshotAsync("past-retention-pinned.db", TimeSpan.FromDays(92)), "--pin", "keep", "--json");
        var recent = await Backupctl.RunAsync(Socket, "import", await CronEraSnapshotAsync("recent.db", TimeSpan.FromDays(2)), "--json");

        Assert.That(old.ExitCode, Is.Zero, old.ToString);
        Assert.That(old.StandardOutput, Does.Contain("RETENTION").And.Contain("removes it at its next run, here and on the peers"));
        Assert.That(JsonNode.Parse(oldJson.StandardOutput)!["retentionRemoves"]!.GetValue<bool>(), Is.True, oldJson.ToString);
        Assert.That(JsonNode.Parse(pinned.StandardOutput)!["retentionRemoves"]!.GetValue<bool>(), Is.False, pinned.ToString);
        Assert.That(JsonNode.Parse(recent.StandardOutput)!["retentionRemoves"]!.GetValue<bool>(), Is.False, recent.ToString);
    }

    [Test]
    [CancelAfter(90_000)]
    public async Task Import_AgainWithPin_PinsTheCopyAlreadyHere()
    {
        var file = await CronEraSnapshotAsync("pin-later.db", TimeSpan.FromDays(3));
        await Cluster.PutAsync("/registry/configmaps/pin-later", "x"u8.ToArray());
        var first = await Backupctl.RunAsync(Socket, "import", file, "--json");
        Assert.That(first.ExitCode, Is.Zero, first.ToString);

        var again = await Backupctl.RunAsync(Socket, "import", file, "--pin", "keep-me", "--json");

        Assert.That(again.ExitCode, Is.Zero, again.ToString);
        var result = JsonNode.Parse(again.StandardOutput)!;
        Assert.That(result["alreadyHere"]!.GetValue<bool>(), Is.True, again.ToString);
        Assert.That(result["pin"]!["label"]!.GetValue<string>(), Is.EqualTo("keep-me"), again.ToString);
        var path = result["path"]!.GetValue<string>();
        Assert.That(ManifestFile.TryRead(SnapshotFileName.ManifestOf(path))!.Pin!.Label, Is.EqualTo("keep-me"));
    }

    [Test]
    [CancelAfter(90_000)]
    public async Task Import_WithPin_KeepsAnOldFileThroughPrune()
    {
        var file = await CronEraSnapshotAsync("before-upgrade.db", TimeSpan.FromDays(200));
        await Cluster.PutAsync("/registry/configmaps/pin-import", "x"u8.ToArray());

        var import = await Backupctl.RunAsync(Socket, "import", file, "--pin", "cron-era", "--json");
        Assert.That(import.ExitCode, Is.Zero, import.ToString);
        var path = JsonNode.Parse(import.StandardOutput)!["path"]!.GetValue<string>();
        var prune = await Backupctl.RunAsync(Socket, "prune");

        Assert.That(prune.ExitCode, Is.Zero, prune.ToString);
        Assert.That(File.Exists(path), Is.True);
        Assert.That(ManifestFile.TryRead(SnapshotFileName.ManifestOf(path))!.Pin!.Label, Is.EqualTo("cron-era"));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Import_AsAMemberOfTheControlGroup_IsForbidden()
    {
        var file = Dir.Combine("readable.db");
        await File.WriteAllBytesAsync(file, new byte[512 + 32]);
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var import = await Backupctl.RunAsAsync("nobody", "nogroup", Socket, "import", file);

        Assert.That(import.ExitCode, Is.EqualTo(1), import.ToString);
        Assert.That(import.StandardError, Does.Contain("forbidden"), import.ToString);
    }
}

/// <summary>The open file's own offset, which a read by the sender moves (.NET's FileStream reads with pread and does not).</summary>
internal static class SenderOffset
{
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "lseek")]
    public static extern long Seek(int descriptor, long offset, int whence);
}
