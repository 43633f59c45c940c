using EtcdBackupd.Offsite;
using EtcdBackupd.Preflight;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Offsite;

/// <summary>The preflight's line for each off-site target, against the real store.</summary>
internal sealed partial class OffsiteUploadTests
{
    private static Task<EtcdBackupd.Protocol.Results.CheckLine> CheckAsync(OffsiteTarget target, OffsiteRetention retention) =>
        OffsiteTargetCheck.RunAsync(target, new OffsiteOptions { Targets = [target], Retention = retention }, CancellationToken.None);

    [Test]
    [CancelAfter(120_000)]
    public async Task Check_ATargetTheKeysMayUse_PassesAndAMissingBucketOrUnreadableKeysFailSayingWhich()
    {
        using var run = new TempDirectory("check-offsite");
        var bucket = await BucketAsync("check-offsite");
        var openKeys = run.Combine("open-credentials");
        File.Copy(_credentials, openKeys);
        File.SetUnixFileMode(openKeys, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        var good = await CheckAsync(Target("a", bucket), OffsiteRetention.Daemon);
        var missing = await CheckAsync(Target("a", bucket + "-gone"), OffsiteRetention.Daemon);
        var readable = await CheckAsync(Target("a", bucket, credentials: openKeys), OffsiteRetention.Daemon);

        Assert.That((good.Name, good.Ok, good.Detail), Is.EqualTo(("offsite", true, $"bucket {bucket} lists under cluster-1/ and its unfinished uploads can be listed")));
        Assert.That(good.Target, Does.StartWith("a ("));
        Assert.That((missing.Ok, missing.Detail), Is.EqualTo((false, $"bucket {bucket}-gone does not exist at {_store.Endpoint.Authority}")));
        Assert.That(readable.Ok, Is.False);
        Assert.That(readable.Detail, Does.Contain($"the credentials file '{openKeys}' has mode 0604"));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Check_KeysThatMayNotListUnfinishedUploads_FailUnderDaemonRetentionAndPassUnderBucketRetention()
    {
        using var run = new TempDirectory("check-offsite-uploads");
        var bucket = await BucketAsync("check-uploads");
        await DenyAsync(run, bucket, ["s3:ListBucketMultipartUploads"], $"arn:aws:s3:::{bucket}");

        var daemon = await CheckAsync(Target("a", bucket), OffsiteRetention.Daemon);
        var bucketPrunes = await CheckAsync(Target("a", bucket), OffsiteRetention.Bucket);

        Assert.That(daemon.Ok, Is.False);
        Assert.That(daemon.Detail, Does.Contain("s3:ListBucketMultipartUploads"));
        Assert.That(bucketPrunes.Ok, Is.True, bucketPrunes.Detail);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Check_AnIdentityFileHoldingNoneOfTheRecipients_FailsBeforeAnyCopyIsMadeThatItCouldNotOpen()
    {
        using var run = new TempDirectory("check-offsite-keys");
        var bucket = await BucketAsync("check-keys");
        var (ours, stranger) = (EtcdBackupd.Offsite.Age.AgeIdentity.Generate(), EtcdBackupd.Offsite.Age.AgeIdentity.Generate());
        string IdentityFile(string name, EtcdBackupd.Offsite.Age.AgeIdentity identity)
        {
            var path = run.Combine(name);
            File.WriteAllText(path, identity.Encode() + "\n");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            return path;
        }

        async Task<EtcdBackupd.Protocol.Results.CheckLine> CheckWith(string? identityFile) => await OffsiteTargetCheck.RunAsync(Target("a", bucket),
            new OffsiteOptions { Targets = [Target("a", bucket)], AgeRecipients = [ours.Recipient.PublicKey], AgeIdentityFile = identityFile }, CancellationToken.None);

        var wrong = await CheckWith(IdentityFile("stranger.txt", stranger));
        var right = await CheckWith(IdentityFile("ours.txt", ours));
        var none = await CheckWith(null);

        Assert.That(wrong.Ok, Is.False);
        Assert.That(wrong.Detail, Does.StartWith("none of the identities in Offsite.AgeIdentityFile").And.Contain("could not be decrypted with it"));
        Assert.That((right.Ok, right.Detail), Is.EqualTo((true,
            $"bucket {bucket} lists under cluster-1/ and its unfinished uploads can be listed; Offsite.AgeIdentityFile holds a key the copies are encrypted to")));
        Assert.That(none.Ok, Is.True);
        Assert.That(none.Detail, Does.EndWith("no Offsite.AgeIdentityFile is set here: fetching one back needs it"));
    }
}
