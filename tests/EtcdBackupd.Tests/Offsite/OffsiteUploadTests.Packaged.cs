using System.Text.Json.Nodes;
using EtcdBackupd.Tests.Packaging;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Offsite;

internal sealed partial class OffsiteUploadTests
{
    /// <summary>
    /// The S3 client, zstd and age as the installed program runs them: the packaged Native AOT binary
    /// (trimmed, no .NET runtime) uploads a compressed, encrypted copy, and its one-shot fetch brings the
    /// same bytes back into an empty directory on a master with no state.
    /// </summary>
    [Test]
    [CancelAfter(180_000)]
    public async Task PackagedAotBinary_UploadsACompressedEncryptedCopy_AndItsOneShotFetchBringsBackTheSameBytes()
    {
        using var package = await PackageTests.ExtractAsync("deb");
        var backupd = package.Combine("usr", "bin", "etcd-backupd");
        await using var cluster = await EtcdCluster.StartAsync(EtcdBinaries.V34, 1);
        using var run = new TempDirectory("offsite-aot");
        var bucket = await BucketAsync("aot");
        var identity = run.Combine("identity");
        var made = await ProcessRunner.RunAsync("age-keygen", ["-o", identity]);
        Assert.That(made.ExitCode, Is.Zero, made.ToString);
        File.SetUnixFileMode(identity, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var recipient = (await ProcessRunner.RunAsync("age-keygen", ["-y", identity])).StandardOutput.Trim();
        string Config(string name)
        {
            var snapshots = Directory.CreateDirectory(run.Combine(name)).FullName;
            var path = Backupd.WriteConfig(run.Combine($"{name}.json"), cluster, snapshots);
            var config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            config["State"] = new JsonObject { ["Directory"] = run.Combine($"{name}-state") };
            config["Offsite"] = new JsonObject
            {
                ["Targets"] = new JsonArray(_store.TargetJson("aot", bucket, "cluster-1/", _credentials)),
                ["AgeRecipients"] = new JsonArray(recipient), ["AgeIdentityFile"] = identity, ["Attempts"] = 1,
            };
            return Backupd.WriteConfig(path, config);
        }

        var (taker, rebuilt) = (Config("taker"), Config("rebuilt"));
        var snapshot = await ProcessRunner.RunAsync(backupd, ["snapshot", "--config", taker, "--json"]);
        var fetch = await ProcessRunner.RunAsync(backupd, ["fetch", "--from", "offsite", "--newest", "--config", rebuilt]);

        Assert.That(snapshot.ExitCode, Is.Zero, snapshot.ToString);
        Assert.That(snapshot.StandardOutput, Does.Contain(".db.zst.age"), "the copy went through zstd and age: " + snapshot);
        Assert.That(fetch.ExitCode, Is.Zero, fetch.ToString);
        var taken = Directory.GetFiles(run.Combine("taker"), "*.db").Single();
        var fetched = Directory.GetFiles(run.Combine("rebuilt"), "*.db").Single();
        Assert.That(Path.GetFileName(fetched), Is.EqualTo(Path.GetFileName(taken)));
        Assert.That(await File.ReadAllBytesAsync(fetched), Is.EqualTo(await File.ReadAllBytesAsync(taken)));
    }
}
