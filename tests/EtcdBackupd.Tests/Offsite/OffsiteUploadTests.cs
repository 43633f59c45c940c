using EtcdBackupd.Offsite;
using EtcdBackupd.Snapshots;
using EtcdBackupd.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace EtcdBackupd.Tests.Offsite;

/// <summary>Uploads to a real Ceph RADOS Gateway on loopback, read back with s3cmd.</summary>
[Parallelizable(ParallelScope.None)]
internal sealed partial class OffsiteUploadTests
{
    private TempDirectory _dir = null!;
    private ObjectStore _store = null!;
    private string _credentials = null!;

    [OneTimeSetUp]
    public async Task StartStoreAsync()
    {
        _dir = new TempDirectory("offsite");
        _store = await ObjectStore.StartAsync();
        _credentials = ObjectStore.CredentialsFile(_dir, "credentials");
    }

    [OneTimeTearDown]
    public async Task StopStoreAsync()
    {
        await _store.DisposeAsync();
        _dir.Dispose();
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Upload_ToTwoBuckets_BothCheckedAndWhatS3cmdReadsBackEqualsTheLocalFile()
    {
        using var run = new TempDirectory("two");
        var snapshot = SyntheticSnapshots.Result(run.Path, 12 << 20);
        var (a, b) = (await BucketAsync("two-a"), await BucketAsync("two-b"));

        var results = await Uploader(Target("a", a), Target("b", b)).UploadAsync(snapshot, CancellationToken.None);

        Assert.That(results.Select(r => (r.Target, r.Ok, r.Skipped, r.Error)),
            Is.EqualTo(new[] { ("a", true, false, (string?)null), ("b", true, false, (string?)null) }));
        foreach (var bucket in new[] { a, b })
        {
            var back = run.Combine($"{bucket}.db");
            var got = await _store.S3cmdAsync("get", $"s3://{bucket}/cluster-1/{Path.GetFileName(snapshot.Path)}", back);
            Assert.That(got.ExitCode, Is.Zero, got.ToString);
            Assert.That(await File.ReadAllBytesAsync(back), Is.EqualTo(await File.ReadAllBytesAsync(snapshot.Path)));
            Assert.That(await OffsiteVerifier.ProblemAsync(Target(bucket, bucket), Path.GetFileName(snapshot.Path), TimeSpan.FromSeconds(30), CancellationToken.None), Is.Null);
        }
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Upload_ManifestBesideTheObject_RecordsTheRawAndTheStoredSha256()
    {
        using var run = new TempDirectory("manifest");
        var snapshot = SyntheticSnapshots.Result(run.Path, 1 << 20);
        var bucket = await BucketAsync("manifest");

        await Uploader(Target("a", bucket)).UploadAsync(snapshot, CancellationToken.None);

        var json = run.Combine("m.json");
        var got = await _store.S3cmdAsync("get", $"s3://{bucket}/cluster-1/{Path.GetFileNameWithoutExtension(snapshot.Path)}.json", json);
        Assert.That(got.ExitCode, Is.Zero, got.ToString);
        var manifest = SnapshotManifest.FromJson(await File.ReadAllBytesAsync(json))!;
        Assert.That(manifest.Sha256, Is.EqualTo(snapshot.Manifest.Sha256));
        Assert.That(manifest.ClusterId, Is.EqualTo(snapshot.Manifest.ClusterId));
        Assert.That(manifest.Offsite, Is.Not.Null);
        Assert.That(manifest.Offsite!.Key, Is.EqualTo($"cluster-1/{Path.GetFileName(snapshot.Path)}"));
        // A raw copy (Compression none, no recipients): the stored bytes are the snapshot's.
        Assert.That(manifest.Offsite.Sha256, Is.EqualTo(snapshot.Manifest.Sha256));
        Assert.That(manifest.Offsite.SizeBytes, Is.EqualTo(new FileInfo(snapshot.Path).Length));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Upload_SameSnapshotTwice_IsNotSentAgain()
    {
        using var run = new TempDirectory("twice");
        var snapshot = SyntheticSnapshots.Result(run.Path, 1 << 20);
        var uploader = Uploader(Target("a", await BucketAsync("twice")));

        var first = await uploader.UploadAsync(snapshot, CancellationToken.None);
        var second = await uploader.UploadAsync(snapshot, CancellationToken.None);

        Assert.That((first[0].Ok, first[0].Skipped), Is.EqualTo((true, false)));
        Assert.That((second[0].Ok, second[0].Skipped), Is.EqualTo((true, true)));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Verify_ObjectOverwrittenBehindOurBackWithS3cmd_IsFound()
    {
        using var run = new TempDirectory("overwritten");
        var snapshot = SyntheticSnapshots.Result(run.Path, 1 << 20);
        var bucket = await BucketAsync("overwritten");
        await Uploader(Target("a", bucket)).UploadAsync(snapshot, CancellationToken.None);
        var other = run.Combine("other");
        await File.WriteAllBytesAsync(other, new byte[new FileInfo(snapshot.Path).Length]);
        var put = await _store.S3cmdAsync("put", other, $"s3://{bucket}/cluster-1/{Path.GetFileName(snapshot.Path)}");
        Assert.That(put.ExitCode, Is.Zero, put.ToString);

        var problem = await OffsiteVerifier.ProblemAsync(Target("a", bucket), Path.GetFileName(snapshot.Path), TimeSpan.FromSeconds(30), CancellationToken.None);

        Assert.That(problem, Does.Contain("has SHA-256").And.Contain(snapshot.Manifest.Sha256));
    }

    private async Task<string> BucketAsync(string label)
    {
        var bucket = $"{label}-{Guid.NewGuid():N}"[..Math.Min(label.Length + 13, 63)];
        await _store.MakeBucketAsync(bucket);
        return bucket;
    }

    private OffsiteTarget Target(string name, string bucket, string? credentials = null, Uri? endpoint = null) => new()
    {
        Name = name,
        Endpoint = endpoint ?? _store.Endpoint,
        Bucket = bucket,
        Prefix = "cluster-1/",
        CredentialsFile = credentials ?? _credentials,
    };

    private static OffsiteUploader Uploader(params OffsiteTarget[] targets) => Uploader(1, targets);

    /// <summary>Raw copies (<c>Offsite.Compression: none</c>, no recipients): the stored bytes are the snapshot's, for s3cmd to compare.</summary>
    private static OffsiteUploader Uploader(int attempts, params OffsiteTarget[] targets) =>
        new(new OffsiteOptions
        {
            Targets = targets, Attempts = attempts, Timeout = TimeSpan.FromSeconds(60), Compression = "none",
            Codec = new EtcdBackupd.Offsite.Codec.CodecSettings(EtcdBackupd.Offsite.Codec.OffsiteCompression.None, 3, []),
        }, TimeProvider.System, NullLogger.Instance);
}
