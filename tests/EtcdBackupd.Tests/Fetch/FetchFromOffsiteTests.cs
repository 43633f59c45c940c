using System.Text.Json.Nodes;
using EtcdBackupd.Tests.Restore;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Fetch;

/// <summary>
/// Off-site copies brought back: three masters on loopback with real etcd members and daemons, whose
/// snapshots go, compressed and encrypted with age, to a real Ceph RADOS Gateway; read back through the
/// CLI, the one-shot command, and without etcd-backupd at all (s3cmd, age, zstd, etcdutl). The fixture is
/// shared; the test that loses every master's data runs last.
/// </summary>
[Parallelizable(ParallelScope.None)]
internal sealed partial class FetchFromOffsiteTests
{
    private const string Prefix = "clusters/prod-1/";

    private TempDirectory _dir = null!;
    private ObjectStore _store = null!;
    private Masters _masters = null!;
    private string _bucket = null!;
    private string _identity = null!;
    private string _otherRecipient = null!;
    private string _snapshot = null!;
    private string _object = null!;
    private string[] _keys = null!;
    private JsonObject _m1Config = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _dir = new TempDirectory("offsite-fetch");
        _store = await ObjectStore.StartAsync();
        _bucket = "fetch-" + Guid.NewGuid().ToString("N")[..12];
        await _store.MakeBucketAsync(_bucket);
        var credentials = ObjectStore.CredentialsFile(_dir, "credentials");
        (_identity, var recipient) = await KeyPairAsync("identity");
        (_, _otherRecipient) = await KeyPairAsync("other-identity");
        _masters = await Masters.StartAsync(EtcdBinaries.V35, (i, config) =>
        {
            var targets = new JsonArray(Target("main", _bucket, credentials, _store.Endpoint));
            if (i == 1)
            {
                // The second master also names a bucket that does not exist and an endpoint where nothing listens.
                targets.Add(Target("gone", "no-such-bucket-here", credentials, _store.Endpoint));
                targets.Add(Target("down", _bucket, credentials, new Uri($"http://127.0.0.1:{EtcdCluster.FreePort()}/")));
            }

            var offsite = new JsonObject { ["Targets"] = targets, ["AgeRecipients"] = new JsonArray(recipient), ["Attempts"] = 1, ["TimeoutSeconds"] = 60 };
            // The third master has no identity: it can upload, but not decrypt.
            if (i != 2)
            {
                offsite["AgeIdentityFile"] = _identity;
            }

            config["Offsite"] = offsite;
            if (i == 0)
            {
                _m1Config = config;
            }
        });
        _keys = await ClusterRestoreTests.WriteKubernetesLikeKeysAsync(_masters);
        var taken = await Backupctl.RunAsync(_masters.All[0].Socket, "snapshot", "--json");
        Assert.That(taken.ExitCode, Is.Zero, taken.ToString);
        var report = JsonNode.Parse(taken.StandardOutput)!;
        Assert.That(report["offsite"]![0]!["ok"]!.GetValue<bool>(), Is.True, report.ToJsonString());
        _snapshot = Path.GetFileName(report["path"]!.GetValue<string>());
        _object = report["offsite"]![0]!["key"]!.GetValue<string>();
        Assert.That(_object, Is.EqualTo(Prefix + _snapshot + ".zst.age"));
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_masters is not null)
        {
            await _masters.DisposeAsync();
        }

        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        _dir?.Dispose();
    }

    private JsonObject Target(string name, string bucket, string credentials, Uri endpoint) => _store.TargetJson(name, bucket, Prefix, credentials, endpoint);

    /// <summary>An age identity file (0600) and its recipient.</summary>
    private async Task<(string Identity, string Recipient)> KeyPairAsync(string name)
    {
        var path = _dir.Combine(name);
        var made = await ProcessRunner.RunAsync("age-keygen", ["-o", path]);
        Assert.That(made.ExitCode, Is.Zero, made.ToString);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return (path, (await ProcessRunner.RunAsync("age-keygen", ["-y", path])).StandardOutput.Trim());
    }

    private async Task<string> GetAsync(string key, string to)
    {
        var got = await _store.S3cmdAsync("get", "--force", $"s3://{_bucket}/{key}", to);
        Assert.That(got.ExitCode, Is.Zero, got.ToString);
        return to;
    }

    private async Task PutAsync(string file, string key)
    {
        var put = await _store.S3cmdAsync("put", file, $"s3://{_bucket}/{key}");
        Assert.That(put.ExitCode, Is.Zero, put.ToString);
    }

    /// <summary>
    /// Our snapshot's object and manifest, copied under another snapshot's name (an old one, never the newest)
    /// with <paramref name="change"/> applied to the object's bytes and to the manifest: a crafted neighbour.
    /// </summary>
    private async Task<string> CraftAsync(string name, Func<byte[], byte[]> change, Action<JsonObject> manifest)
    {
        using var scratch = new TempDirectory("craft");
        var bytes = change(await File.ReadAllBytesAsync(await GetAsync(_object, scratch.Combine("object"))));
        var json = JsonNode.Parse(await File.ReadAllTextAsync(await GetAsync(Prefix + Path.ChangeExtension(_snapshot, ".json"), scratch.Combine("manifest"))))!.AsObject();
        json["fileName"] = name;
        Assert.That(EtcdBackupd.Snapshots.SnapshotFileName.TryParse(name, out var createdAt, out _, out _), Is.True, name);
        json["createdAt"] = JsonValue.Create(createdAt);
        json["offsite"]!["key"] = Prefix + name + ".zst.age";
        json["offsite"]!["sizeBytes"] = bytes.Length;
        manifest(json);
        await File.WriteAllBytesAsync(scratch.Combine("crafted"), bytes);
        await File.WriteAllTextAsync(scratch.Combine("crafted.json"), json.ToJsonString());
        await PutAsync(scratch.Combine("crafted"), Prefix + name + ".zst.age");
        await PutAsync(scratch.Combine("crafted.json"), Prefix + Path.ChangeExtension(name, ".json"));
        return name;
    }

    /// <summary>What a master's snapshot directory holds, names only.</summary>
    private static string[] Files(Master master) => [.. Directory.GetFileSystemEntries(master.Snapshots).Select(Path.GetFileName).Order()!];
}
