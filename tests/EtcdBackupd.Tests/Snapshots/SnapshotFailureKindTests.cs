using System.Text.Json.Nodes;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Snapshots;

/// <summary>
/// Failure kinds of the one-shot snapshot that need no TLS: each is a sentence naming what and where, with
/// no .NET type name, and nothing that looks like a snapshot is left behind.
/// </summary>
[TestFixtureSource(typeof(EtcdBinaries), nameof(EtcdBinaries.All))]
[Parallelizable(ParallelScope.None)]
internal sealed class SnapshotFailureKindTests(EtcdBinaries etcd)
{
    [Test]
    [CancelAfter(60_000)]
    public async Task Snapshot_WhenEtcdAcceptsAndNeverAnswers_SaysNoAnswerWithinTheDialTimeout()
    {
        using var dir = new TempDirectory("etcd-silent");
        await using var silent = SilentPeer.Start();
        var config = Backupd.WriteConfig(dir.Combine("config.json"), new JsonObject
        {
            ["Etcd"] = new JsonObject { ["Endpoints"] = new JsonArray($"http://127.0.0.1:{silent.Port}"), ["DialTimeoutSeconds"] = 2 },
            ["Snapshots"] = new JsonObject { ["Directory"] = Directory.CreateDirectory(dir.Combine("snapshots")).FullName },
        });

        var result = await Backupd.SnapshotAsync(config);

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString);
        Assert.That(silent.Accepted, Is.GreaterThan(0), "the snapshot never reached the silent etcd");
        Assert.That(result.StandardError, Does.Contain($"127.0.0.1:{silent.Port}").And.Contain("no answer within Etcd.DialTimeoutSeconds (2 s)")
            .And.Not.Match(OperatorText.DotNetNames().ToString()), result.ToString);
        Assert.That(Backupd.SnapshotLikeFiles(dir.Combine("snapshots")), Is.Empty);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Snapshot_AsAUserWhoCannotWriteTheDirectory_SaysPermissionDeniedNamingTheDirectory()
    {
        // Root ignores modes, so the one-shot runs as nobody, from a copy of the program it may read, with a
        // configuration it may read, against a directory only root may write.
        await using var cluster = await EtcdCluster.StartAsync(etcd, 1);
        var dir = Path.Combine("/tmp", $"etcd-backupd-denied-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            var snapshots = Directory.CreateDirectory(Path.Combine(dir, "snapshots")).FullName;
            var config = Backupd.WriteConfig(Path.Combine(dir, "config.json"), cluster, snapshots);
            File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

            var result = await ProcessRunner.RunAsync("runuser", ["-u", "nobody", "-g", "nogroup", "--",
                "dotnet", ReadableCopy.Of("etcd-backupd.dll"), "snapshot", "--config", config],
                new Dictionary<string, string> { ["DOTNET_CLI_HOME"] = "/tmp", ["HOME"] = "/tmp" }, TimeSpan.FromMinutes(2));

            Assert.That(result.ExitCode, Is.Not.Zero, result.ToString);
            Assert.That(result.StandardError, Does.Contain($"'{snapshots}'").And.Contain("permission denied")
                .And.Not.Match(OperatorText.DotNetNames().ToString()), result.ToString);
            Assert.That(Directory.GetFileSystemEntries(snapshots), Is.Empty);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
