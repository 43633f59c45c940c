using EtcdBackupd.Offsite.Age;
using EtcdBackupd.Offsite.Codec;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Offsite;

/// <summary>
/// Off-site copies against Debian's `age`, `age-keygen` and `zstd`, both ways: an operator can open
/// ours with the standard tools, and ours opens what the standard tools wrote.
/// </summary>
internal sealed class AgeCliInteropTests
{
    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory("age-cli");

    [TearDown]
    public void TearDown() => _dir.Dispose();

    private static async Task<string> Sh(string command)
    {
        var result = await ProcessRunner.RunAsync("/bin/sh", ["-c", command], timeout: TimeSpan.FromMinutes(2));
        Assert.That(result.ExitCode, Is.Zero, $"{command}\n{result}");
        return result.StandardOutput;
    }

    /// <summary>A key pair made by age-keygen: its identity file and its recipient.</summary>
    private async Task<(string KeyFile, string Recipient)> KeygenAsync(string name)
    {
        var keyFile = _dir.Combine(name + ".key");
        await Sh($"age-keygen -o {keyFile} 2>/dev/null");
        return (keyFile, (await Sh($"age-keygen -y {keyFile}")).Trim());
    }

    private async Task<string> EncodeToFileAsync(byte[] data, CodecSettings settings, string name)
    {
        var path = _dir.Combine(name);
        await File.WriteAllBytesAsync(path, await OffsiteCodecRoundTripTests.EncodeAsync(data, settings, ChaChaPolyProvider.Automatic));
        return path;
    }

    [Test]
    public async Task Keygen_IdentityFile_ReadsToTheRecipientAgeKeygenPrints()
    {
        var (keyFile, recipient) = await KeygenAsync("operator");

        var identities = AgeIdentity.ReadFile(keyFile);

        Assert.That(identities.Single().Recipient.PublicKey, Is.EqualTo(recipient));
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(65535)]
    [TestCase(65536)]
    [TestCase(65537)]
    [TestCase(2 * 65536)]
    [TestCase(6 << 20)]
    public async Task Encode_ZstdAndAge_AgeThenZstdCommandsGiveTheOriginal(int size)
    {
        var (keyFile, recipient) = await KeygenAsync("operator");
        var data = KubeLikeData.Create(size);
        var copy = await EncodeToFileAsync(data, new CodecSettings(OffsiteCompression.Zstd, 3, [AgeRecipient.Parse(recipient)]), "snap.db.zst.age");

        await Sh($"age -d -i {keyFile} {copy} | zstd -d -q -o {_dir.Combine("restored.db")}");

        Assert.That(await File.ReadAllBytesAsync(_dir.Combine("restored.db")), Is.EqualTo(data));
    }

    [TestCase(0)]
    [TestCase(65536)]
    [TestCase(3 * 65536 + 5)]
    public async Task Encode_AgeOnly_AgeCommandDecrypts(int size)
    {
        var (keyFile, recipient) = await KeygenAsync("operator");
        var data = KubeLikeData.Create(size);
        var copy = await EncodeToFileAsync(data, new CodecSettings(OffsiteCompression.None, 3, [AgeRecipient.Parse(recipient)]), "snap.db.age");

        await Sh($"age -d -i {keyFile} {copy} > {_dir.Combine("restored.db")}");

        Assert.That(await File.ReadAllBytesAsync(_dir.Combine("restored.db")), Is.EqualTo(data));
    }

    [Test]
    public async Task Encode_SeveralRecipients_EachAgeKeyDecrypts()
    {
        var first = await KeygenAsync("first");
        var second = await KeygenAsync("second");
        var data = KubeLikeData.Create(200_000);
        var recipients = new[] { AgeIdentity.Generate().Recipient, AgeRecipient.Parse(first.Recipient), AgeRecipient.Parse(second.Recipient) };
        var copy = await EncodeToFileAsync(data, new CodecSettings(OffsiteCompression.None, 3, recipients), "snap.db.age");

        foreach (var key in new[] { first.KeyFile, second.KeyFile })
        {
            await Sh($"age -d -i {key} {copy} > {_dir.Combine("restored.db")}");
            Assert.That(await File.ReadAllBytesAsync(_dir.Combine("restored.db")), Is.EqualTo(data));
            File.Delete(_dir.Combine("restored.db"));
        }
    }

    [TestCase(0)]
    [TestCase(65536)]
    [TestCase(5 << 20)]
    public async Task Decode_AgeCommandEncryptedToSeveralRecipients_OurIdentityFileOpensIt(int size)
    {
        var theirs = await KeygenAsync("theirs");
        var ours = await KeygenAsync("ours");
        var data = KubeLikeData.Create(size);
        await File.WriteAllBytesAsync(_dir.Combine("snap.db"), data);

        await Sh($"age -r {theirs.Recipient} -r {ours.Recipient} -o {_dir.Combine("snap.db.age")} {_dir.Combine("snap.db")}");

        var decoded = await DecodeFileAsync("snap.db.age", OffsiteCompression.None, AgeIdentity.ReadFile(ours.KeyFile));
        Assert.That(decoded, Is.EqualTo(data));
    }

    [Test]
    public async Task Decode_ZstdThenAgeCommands_GivesTheOriginal()
    {
        var (keyFile, recipient) = await KeygenAsync("operator");
        var data = KubeLikeData.Create(3 << 20);
        await File.WriteAllBytesAsync(_dir.Combine("snap.db"), data);

        await Sh($"zstd -q -c {_dir.Combine("snap.db")} | age -r {recipient} -o {_dir.Combine("snap.db.zst.age")}");

        var decoded = await DecodeFileAsync("snap.db.zst.age", OffsiteCompression.Zstd, AgeIdentity.ReadFile(keyFile));
        Assert.That(decoded, Is.EqualTo(data));
    }

    [TestCase(1)]
    [TestCase(3)]
    [TestCase(9)]
    public async Task Encode_ZstdOnly_ZstdCommandDecompresses(int level)
    {
        var data = KubeLikeData.Create(2 << 20);
        var copy = await EncodeToFileAsync(data, new CodecSettings(OffsiteCompression.Zstd, level, []), "snap.db.zst");

        await Sh($"zstd -d -q --check -o {_dir.Combine("restored.db")} {copy}");

        Assert.That(await File.ReadAllBytesAsync(_dir.Combine("restored.db")), Is.EqualTo(data));
    }

    [TestCase("-3")]
    [TestCase("-19")]
    public async Task Decode_ZstdCommandOutput_GivesTheOriginal(string level)
    {
        var data = KubeLikeData.Create(2 << 20);
        await File.WriteAllBytesAsync(_dir.Combine("snap.db"), data);
        await Sh($"zstd -q {level} -o {_dir.Combine("snap.db.zst")} {_dir.Combine("snap.db")}");

        Assert.That(await DecodeFileAsync("snap.db.zst", OffsiteCompression.Zstd, []), Is.EqualTo(data));
    }

    [Test]
    public async Task Decode_ZstdFrameNeedingA128MiBWindow_IsRefusedForItsMemory()
    {
        var data = KubeLikeData.Create(1 << 20);
        await File.WriteAllBytesAsync(_dir.Combine("snap.db"), data);
        // --long=27 writes a frame whose header asks the reader for a 128 MiB window.
        // Read from a pipe, so zstd cannot shrink the window to the input's size.
        await Sh($"cat {_dir.Combine("snap.db")} | zstd -q --long=27 -c > {_dir.Combine("snap.db.zst")}");

        var e = Assert.ThrowsAsync<OffsiteCodecException>(() => DecodeFileAsync("snap.db.zst", OffsiteCompression.Zstd, []));

        Assert.That(e!.Failure, Is.EqualTo(OffsiteCodecFailure.CompressedDataInvalid));
        TestContext.Out.WriteLine(e.Message);
    }

    private async Task<byte[]> DecodeFileAsync(string name, OffsiteCompression compression, IReadOnlyList<AgeIdentity> identities) =>
        await OffsiteCodecRoundTripTests.DecodeAsync(await File.ReadAllBytesAsync(_dir.Combine(name)), compression, identities, ChaChaPolyProvider.Automatic);
}
