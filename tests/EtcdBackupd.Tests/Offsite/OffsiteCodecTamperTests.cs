using System.Text;
using EtcdBackupd.Offsite.Age;
using EtcdBackupd.Offsite.Codec;
using static EtcdBackupd.Tests.Offsite.OffsiteCodecRoundTripTests;

namespace EtcdBackupd.Tests.Offsite;

/// <summary>A damaged, cut, extended or foreign copy never decodes as a snapshot: each fails with its kind and a sentence.</summary>
[Category("Fast")]
internal sealed class OffsiteCodecTamperTests
{
    private static readonly AgeIdentity Identity = AgeIdentity.Generate();
    private static readonly byte[] Data = KubeLikeData.Create(3 * 65536 + 100);
    private static readonly CodecSettings AgeOnly = new(OffsiteCompression.None, 3, [Identity.Recipient]);
    private static readonly CodecSettings Both = new(OffsiteCompression.Zstd, 3, [Identity.Recipient]);
    private static readonly CodecSettings ZstdOnly = new(OffsiteCompression.Zstd, 3, []);

    private static OffsiteCodecException DecodeFails(byte[] encoded, OffsiteCompression compression, IReadOnlyList<AgeIdentity> identities)
    {
        var e = Assert.ThrowsAsync<OffsiteCodecException>(() => DecodeAsync(encoded, compression, identities, ChaChaPolyProvider.Automatic));
        TestContext.Out.WriteLine(e!.Message);
        return e;
    }

    private static int HeaderLength(byte[] encoded) => encoded.AsSpan().IndexOf("\n---"u8) + encoded.AsSpan()[(encoded.AsSpan().IndexOf("\n---"u8) + 1)..].IndexOf((byte)'\n') + 2;

    [Test]
    public async Task Decode_FlippedByteInTheHeaderMac_IsHeaderTampered()
    {
        var encoded = await EncodeAsync(Data, AgeOnly, ChaChaPolyProvider.Automatic);
        var mac = encoded.AsSpan().IndexOf("--- "u8) + 4;
        encoded[mac] = encoded[mac] == (byte)'A' ? (byte)'B' : (byte)'A';

        var e = DecodeFails(encoded, OffsiteCompression.None, [Identity]);

        Assert.That(e.Failure, Is.EqualTo(OffsiteCodecFailure.HeaderTampered));
        Assert.That(e.Message, Does.Contain("header was altered"));
    }

    [Test]
    public async Task Decode_FlippedByteInTheVersionLine_IsNotAnAgeFile()
    {
        var encoded = await EncodeAsync(Data, AgeOnly, ChaChaPolyProvider.Automatic);
        encoded[0] ^= 0x20;

        var e = DecodeFails(encoded, OffsiteCompression.None, [Identity]);

        Assert.That(e.Failure, Is.EqualTo(OffsiteCodecFailure.HeaderInvalid));
        Assert.That(e.Message, Does.Contain("not an age-encrypted file"));
    }

    [Test]
    public async Task Decode_FlippedByteInTheWrappedFileKey_NoIdentityOpensIt()
    {
        var encoded = await EncodeAsync(Data, AgeOnly, ChaChaPolyProvider.Automatic);
        var body = encoded.AsSpan().IndexOf("\n-> X25519 "u8) + 1;
        body += encoded.AsSpan()[body..].IndexOf((byte)'\n') + 1;
        encoded[body + 5] = encoded[body + 5] == (byte)'A' ? (byte)'B' : (byte)'A';

        var e = DecodeFails(encoded, OffsiteCompression.None, [Identity]);

        Assert.That(e.Failure, Is.EqualTo(OffsiteCodecFailure.NoMatchingIdentity));
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(3)]
    public async Task Decode_FlippedByteInAPayloadChunk_ReleasesOnlyTheChunksBefore(int chunk)
    {
        var encoded = await EncodeAsync(Data, AgeOnly, ChaChaPolyProvider.Automatic);
        var payload = HeaderLength(encoded) + AgeFormat.PayloadNonceLength;
        encoded[payload + chunk * AgeFormat.EncryptedChunkSize + 50] ^= 1;

        var released = new MemoryStream();
        await using var decode = OffsiteCodec.Decode(new MemoryStream(encoded), OffsiteCompression.None, [Identity]);
        var e = Assert.ThrowsAsync<OffsiteCodecException>(() => decode.CopyToAsync(released));

        Assert.That(e!.Failure, Is.EqualTo(OffsiteCodecFailure.PayloadTampered));
        Assert.That(e.Message, Does.Contain($"chunk {chunk} "));
        Assert.That(released.ToArray(), Is.EqualTo(Data[..(chunk * AgeFormat.ChunkSize)]));
    }

    [Test]
    public async Task Decode_LastChunkMissing_IsTruncated()
    {
        var encoded = await EncodeAsync(Data, AgeOnly, ChaChaPolyProvider.Automatic);
        var cut = encoded[..^(100 + AgeFormat.TagSize)];

        var e = DecodeFails(cut, OffsiteCompression.None, [Identity]);

        Assert.That(e.Failure, Is.EqualTo(OffsiteCodecFailure.Truncated));
        Assert.That(e.Message, Does.Contain("without its final chunk"));
    }

    [Test]
    public async Task Decode_CutInsideAChunk_Fails()
    {
        var encoded = await EncodeAsync(Data, Both, ChaChaPolyProvider.Automatic);

        var e = DecodeFails(encoded[..(encoded.Length / 2)], OffsiteCompression.Zstd, [Identity]);

        Assert.That(e.Failure, Is.EqualTo(OffsiteCodecFailure.PayloadTampered).Or.EqualTo(OffsiteCodecFailure.Truncated));
    }

    [Test]
    public async Task Decode_CutInTheHeader_SaysItEndsInsideTheHeader()
    {
        var encoded = await EncodeAsync(Data, Both, ChaChaPolyProvider.Automatic);

        var e = DecodeFails(encoded[..40], OffsiteCompression.Zstd, [Identity]);

        Assert.That(e.Failure, Is.EqualTo(OffsiteCodecFailure.HeaderInvalid));
        Assert.That(e.Message, Does.Contain("ends inside the age header"));
    }

    [TestCase(1)]
    [TestCase(17)]
    [TestCase(70000)]
    public async Task Decode_TrailingGarbage_IsRefused(int length)
    {
        var encoded = await EncodeAsync(Data, Both, ChaChaPolyProvider.Automatic);
        var extended = encoded.Concat(Enumerable.Repeat((byte)0x5a, length)).ToArray();

        var e = DecodeFails(extended, OffsiteCompression.Zstd, [Identity]);

        Assert.That(e.Failure, Is.EqualTo(OffsiteCodecFailure.TrailingData).Or.EqualTo(OffsiteCodecFailure.PayloadTampered));
    }

    [Test]
    public async Task Decode_WrongIdentity_SaysItWasEncryptedToOthers()
    {
        var encoded = await EncodeAsync(Data, Both, ChaChaPolyProvider.Automatic);

        var e = DecodeFails(encoded, OffsiteCompression.Zstd, [AgeIdentity.Generate(), AgeIdentity.Generate()]);

        Assert.That(e.Failure, Is.EqualTo(OffsiteCodecFailure.NoMatchingIdentity));
        Assert.That(e.Message, Does.Contain("none of the 2 age identities"));
    }

    [Test]
    public async Task Decode_UnencryptedCopyGivenIdentities_SaysItIsNotAnAgeFile()
    {
        var encoded = await EncodeAsync(Data, ZstdOnly, ChaChaPolyProvider.Automatic);

        var e = DecodeFails(encoded, OffsiteCompression.Zstd, [Identity]);

        Assert.That(e.Failure, Is.EqualTo(OffsiteCodecFailure.HeaderInvalid));
    }

    [Test]
    public async Task Decode_ZstdFlippedByte_IsCompressedDataInvalid()
    {
        var encoded = await EncodeAsync(Data, ZstdOnly, ChaChaPolyProvider.Automatic);
        encoded[encoded.Length / 2] ^= 0x10;

        var e = DecodeFails(encoded, OffsiteCompression.Zstd, []);

        Assert.That(e.Failure, Is.EqualTo(OffsiteCodecFailure.CompressedDataInvalid));
        Assert.That(e.Message, Does.Contain("cannot be decompressed"));
    }

    [Test]
    public async Task Decode_ZstdCut_IsTruncated()
    {
        var encoded = await EncodeAsync(Data, ZstdOnly, ChaChaPolyProvider.Automatic);

        var e = DecodeFails(encoded[..^3], OffsiteCompression.Zstd, []);

        Assert.That(e.Failure, Is.EqualTo(OffsiteCodecFailure.Truncated));
    }

    [Test]
    public async Task Decode_ZstdTrailingGarbage_IsCompressedDataInvalid()
    {
        var encoded = await EncodeAsync(Data, ZstdOnly, ChaChaPolyProvider.Automatic);

        var e = DecodeFails([.. encoded, .. "garbage"u8], OffsiteCompression.Zstd, []);

        Assert.That(e.Failure, Is.EqualTo(OffsiteCodecFailure.CompressedDataInvalid).Or.EqualTo(OffsiteCodecFailure.Truncated));
    }

    [Test]
    public async Task Read_AfterAFailure_RepeatsTheVerdict()
    {
        var encoded = await EncodeAsync(Data, AgeOnly, ChaChaPolyProvider.Automatic);
        encoded[HeaderLength(encoded) + AgeFormat.PayloadNonceLength + 10] ^= 1;
        await using var decode = OffsiteCodec.Decode(new MemoryStream(encoded), OffsiteCompression.None, [Identity]);
        var buffer = new byte[100];

        var first = Assert.ThrowsAsync<OffsiteCodecException>(async () => await decode.ReadExactlyAsync(buffer));
        var second = Assert.ThrowsAsync<OffsiteCodecException>(async () => await decode.ReadExactlyAsync(buffer));

        Assert.That(second, Is.SameAs(first));
    }

    [Test]
    public void Decode_EmptyZstdObject_IsTruncatedNotAnEmptySnapshot()
    {
        var e = DecodeFails([], OffsiteCompression.Zstd, []);

        Assert.That(e.Failure, Is.EqualTo(OffsiteCodecFailure.Truncated));
        Assert.That(e.Message, Does.Contain("empty"));
    }

    [Test]
    public void Encode_SinkFailsMidway_WritesNoFinalChunkAndDisposeDoesNotHideTheError()
    {
        var sink = new FailingSink(failAfter: 2 * AgeFormat.EncryptedChunkSize);
        var encode = OffsiteCodec.Encode(sink, AgeOnly);

        Assert.Throws<IOException>(() => encode.Write(Data), "the sink's own error");
        Assert.DoesNotThrow(encode.Dispose);

        var e = Assert.ThrowsAsync<OffsiteCodecException>(() => DecodeAsync(sink.Written.ToArray(), OffsiteCompression.None, [Identity], ChaChaPolyProvider.Automatic));
        Assert.That(e!.Failure, Is.EqualTo(OffsiteCodecFailure.Truncated));
    }

    [Test]
    public void Encode_ZstdAndAgeSinkFailsMidway_LeavesNothingThatDecodes()
    {
        var incompressible = new byte[1 << 20];
        new Random(5).NextBytes(incompressible);
        var sink = new FailingSink(failAfter: 2 * AgeFormat.EncryptedChunkSize);
        var encode = OffsiteCodec.Encode(sink, Both);

        // zstd's workers hand back compressed jobs a write or two later: the sink's error comes out of a later write.
        Assert.Throws<IOException>(() =>
        {
            for (var i = 0; i < 16; i++)
                encode.Write(incompressible);
        });
        Assert.DoesNotThrow(encode.Dispose);

        var e = Assert.ThrowsAsync<OffsiteCodecException>(() => DecodeAsync(sink.Written.ToArray(), OffsiteCompression.Zstd, [Identity], ChaChaPolyProvider.Automatic));
        Assert.That(e!.Failure, Is.EqualTo(OffsiteCodecFailure.Truncated));
    }

    [Test]
    public async Task Abandon_MidCopy_SendsNothingMoreToTheSinkAndLeavesNothingThatDecodes()
    {
        var sink = new MemoryStream();
        var encode = OffsiteCodec.Encode(sink, Both);
        var incompressible = new byte[1 << 20];
        new Random(7).NextBytes(incompressible);
        for (var i = 0; i < 6; i++)
            await encode.WriteAsync(incompressible);
        var before = sink.Length;

        await encode.AbandonAsync();

        Assert.That(sink.Length, Is.EqualTo(before), "an abandoned copy's frame end and pending jobs must not reach the sink");
        var e = Assert.ThrowsAsync<OffsiteCodecException>(() => DecodeAsync(sink.ToArray(), OffsiteCompression.Zstd, [Identity], ChaChaPolyProvider.Automatic));
        Assert.That(e!.Failure, Is.EqualTo(OffsiteCodecFailure.Truncated));
    }

    /// <summary>A stand-in for a connection that drops: accepts some bytes, then fails every write.</summary>
    private sealed class FailingSink(int failAfter) : Stream
    {
        public MemoryStream Written { get; } = new();

        public override void Write(byte[] buffer, int offset, int count)
        {
            if (Written.Length + count > failAfter)
                throw new IOException("connection reset");
            Written.Write(buffer, offset, count);
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => Written.Length;
        public override long Position { get => Written.Length; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }

    [Test]
    public void Message_OfAnyFailure_HasNoDotNetTypeNames()
    {
        var e = Assert.ThrowsAsync<OffsiteCodecException>(() => DecodeAsync(Encoding.ASCII.GetBytes("hello\n"), OffsiteCompression.None, [Identity], ChaChaPolyProvider.Automatic));

        Assert.That(e!.Message, Does.Not.Contain("Exception").And.Not.Contain("System."));
    }
}
