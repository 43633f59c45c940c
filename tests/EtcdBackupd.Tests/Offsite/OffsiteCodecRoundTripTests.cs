using EtcdBackupd.Offsite.Age;
using EtcdBackupd.Offsite.Codec;

namespace EtcdBackupd.Tests.Offsite;

/// <summary>Encode then decode gives back every byte, at the sizes where chunks and frames end.</summary>
[Category("Fast")]
internal sealed class OffsiteCodecRoundTripTests
{
    private static readonly AgeIdentity Identity = AgeIdentity.Generate();

    private static readonly int[] Sizes = [0, 1, 65535, 65536, 65537, 2 * 65536, 3 * 65536 + 100];

    public static IEnumerable<TestCaseData> Cases() =>
        from compression in new[] { OffsiteCompression.None, OffsiteCompression.Zstd }
        from encrypted in new[] { false, true }
        from size in Sizes
        select new TestCaseData(compression, encrypted, size);

    [TestCaseSource(nameof(Cases))]
    public async Task EncodeThenDecode_AnySize_GivesTheSameBytes(OffsiteCompression compression, bool encrypted, int size)
    {
        var data = KubeLikeData.Create(size);
        var settings = new CodecSettings(compression, ZstdLimits.DefaultLevel, encrypted ? [Identity.Recipient] : []);

        var encoded = await EncodeAsync(data, settings, ChaChaPolyProvider.Automatic);
        var decoded = await DecodeAsync(encoded, compression, encrypted ? [Identity] : [], ChaChaPolyProvider.Automatic);

        Assert.That(decoded, Is.EqualTo(data));
        if (!encrypted && compression == OffsiteCompression.None)
            Assert.That(encoded, Is.EqualTo(data));
    }

    [TestCase(ChaChaPolyProvider.Automatic, ChaChaPolyProvider.Managed)]
    [TestCase(ChaChaPolyProvider.Managed, ChaChaPolyProvider.Automatic)]
    [TestCase(ChaChaPolyProvider.Managed, ChaChaPolyProvider.Managed)]
    public async Task EncodeThenDecode_EitherChaChaPolyImplementation_ReadsTheOther(ChaChaPolyProvider encoder, ChaChaPolyProvider decoder)
    {
        var data = KubeLikeData.Create(5 * 65536 + 7);
        var settings = new CodecSettings(OffsiteCompression.Zstd, 3, [Identity.Recipient]);

        var decoded = await DecodeAsync(await EncodeAsync(data, settings, encoder), OffsiteCompression.Zstd, [Identity], decoder);

        Assert.That(decoded, Is.EqualTo(data));
    }

    [Test]
    public void EncodeThenDecode_SyncStreamsWrittenInOddPieces_GivesTheSameBytes()
    {
        var data = KubeLikeData.Create(300_001);
        var settings = new CodecSettings(OffsiteCompression.Zstd, 1, [Identity.Recipient, AgeIdentity.Generate().Recipient]);
        var sink = new MemoryStream();
        using (var encode = OffsiteCodec.Encode(sink, settings))
        {
            for (var offset = 0; offset < data.Length; offset += 7919)
                encode.Write(data, offset, Math.Min(7919, data.Length - offset));
        }

        using var decode = OffsiteCodec.Decode(new MemoryStream(sink.ToArray()), OffsiteCompression.Zstd, [Identity]);
        var output = new MemoryStream();
        var buffer = new byte[1000];
        int read;
        while ((read = decode.Read(buffer, 0, buffer.Length)) > 0)
            output.Write(buffer, 0, read);

        Assert.That(output.ToArray(), Is.EqualTo(data));
        Assert.That(sink.CanWrite, Is.True, "the sink is left open");
    }

    [TestCase(0)]
    [TestCase(10)]
    [TestCase(19)]
    public void Encode_LevelOutsideTheMemoryBudget_IsRefused(int level) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => OffsiteCodec.Encode(new MemoryStream(), new CodecSettings(OffsiteCompression.Zstd, level, [])));

    [TestCase(ZstdLimits.MinLevel)]
    [TestCase(ZstdLimits.MaxLevel)]
    public async Task EncodeThenDecode_LevelsAtTheEndsOfTheRange_GiveTheSameBytes(int level)
    {
        var data = KubeLikeData.Create(1 << 20);
        var settings = new CodecSettings(OffsiteCompression.Zstd, level, []);

        Assert.That(await DecodeAsync(await EncodeAsync(data, settings, ChaChaPolyProvider.Automatic), OffsiteCompression.Zstd, [], ChaChaPolyProvider.Automatic), Is.EqualTo(data));
    }

    [TestCase(OffsiteCompression.None, false, "")]
    [TestCase(OffsiteCompression.Zstd, false, ".zst")]
    [TestCase(OffsiteCompression.None, true, ".age")]
    [TestCase(OffsiteCompression.Zstd, true, ".zst.age")]
    public void Suffix_Settings_NamesWhatWasApplied(OffsiteCompression compression, bool encrypted, string suffix) =>
        Assert.That(OffsiteCodec.Suffix(new CodecSettings(compression, 3, encrypted ? [Identity.Recipient] : [])), Is.EqualTo(suffix));

    [Test]
    public async Task Encode_KubernetesLikeData_CompressesSeveralFold()
    {
        var data = KubeLikeData.Create(4 << 20);

        var encoded = await EncodeAsync(data, new CodecSettings(OffsiteCompression.Zstd, 3, [Identity.Recipient]), ChaChaPolyProvider.Automatic);

        Assert.That(encoded.Length, Is.LessThan(data.Length / 3));
    }

    internal static async Task<byte[]> EncodeAsync(byte[] data, CodecSettings settings, ChaChaPolyProvider provider)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var sink = new MemoryStream();
        await using (var encode = OffsiteCodec.Encode(sink, settings, provider))
        {
            for (var offset = 0; offset < data.Length; offset += 100_000)
                await encode.WriteAsync(data.AsMemory(offset, Math.Min(100_000, data.Length - offset)), timeout.Token);
        }
        return sink.ToArray();
    }

    internal static async Task<byte[]> DecodeAsync(byte[] encoded, OffsiteCompression compression, IReadOnlyList<AgeIdentity> identities, ChaChaPolyProvider provider)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var decode = OffsiteCodec.Decode(new MemoryStream(encoded), compression, identities, provider);
        var output = new MemoryStream();
        await decode.CopyToAsync(output, timeout.Token);
        return output.ToArray();
    }
}
