using EtcdBackupd.Offsite;
using EtcdBackupd.Offsite.Age;
using EtcdBackupd.Offsite.Codec;
using EtcdBackupd.Snapshots;
using EtcdBackupd.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace EtcdBackupd.Tests.Offsite;

/// <summary>The default off-site copy, compressed and encrypted, opened without etcd-backupd: s3cmd, age and zstd alone.</summary>
internal sealed partial class OffsiteUploadTests
{
    [Test]
    [CancelAfter(120_000)]
    public async Task Upload_CompressedAndEncrypted_IsOpenedWithS3cmdAgeAndZstdAloneIntoTheSnapshotsBytes()
    {
        using var run = new TempDirectory("encoded");
        var snapshot = SyntheticSnapshots.Result(run.Path, 6 << 20);
        var bucket = await BucketAsync("encoded");
        await ProcessRunner.RunAsync("age-keygen", ["-o", run.Combine("key")]);
        var recipient = (await ProcessRunner.RunAsync("age-keygen", ["-y", run.Combine("key")])).StandardOutput.Trim();
        var options = new OffsiteOptions
        {
            Targets = [Target("a", bucket)], Attempts = 1, Timeout = TimeSpan.FromSeconds(60), AgeRecipients = [recipient],
            Codec = new CodecSettings(OffsiteCompression.Zstd, 3, [AgeRecipient.Parse(recipient)]),
        };

        var results = await new OffsiteUploader(options, TimeProvider.System, NullLogger.Instance).UploadAsync(snapshot, CancellationToken.None);

        Assert.That((results[0].Ok, results[0].Error), Is.EqualTo((true, (string?)null)));
        var name = Path.GetFileName(snapshot.Path);
        var got = await _store.S3cmdAsync("get", $"s3://{bucket}/cluster-1/{name}.zst.age", run.Combine("object"));
        Assert.That(got.ExitCode, Is.Zero, got.ToString);
        var opened = await ProcessRunner.RunAsync("/bin/sh",
            ["-c", $"age -d -i {run.Combine("key")} {run.Combine("object")} | zstd -d -q -o {run.Combine("back.db")}"], timeout: TimeSpan.FromMinutes(1));
        Assert.That(opened.ExitCode, Is.Zero, opened.ToString);
        Assert.That(await File.ReadAllBytesAsync(run.Combine("back.db")), Is.EqualTo(await File.ReadAllBytesAsync(snapshot.Path)));

        await _store.S3cmdAsync("get", $"s3://{bucket}/cluster-1/{Path.GetFileNameWithoutExtension(name)}.json", run.Combine("m.json"));
        var manifest = SnapshotManifest.FromJson(await File.ReadAllBytesAsync(run.Combine("m.json")))!;
        Assert.That(manifest.Offsite!.Compression, Is.EqualTo("zstd"));
        Assert.That(manifest.Offsite.Recipients, Is.EqualTo(new[] { recipient }));
        Assert.That(await OffsiteVerifier.ProblemAsync(Target("a", bucket), name, TimeSpan.FromSeconds(30), CancellationToken.None), Is.Null);
    }
}
