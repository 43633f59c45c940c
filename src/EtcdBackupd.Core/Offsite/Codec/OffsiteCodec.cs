using EtcdBackupd.Offsite.Age;

namespace EtcdBackupd.Offsite.Codec;

/// <summary>
/// The bytes of an off-site copy: the snapshot streamed through zstd and then age (each optional).
/// Streaming both ways with bounded memory: age works in 64 KiB chunks (about 200 KiB of buffers
/// each way); zstd's window is at most 8 MiB (<see cref="ZstdLimits"/>), so encoding at the default
/// level needs a few MiB and decoding at most about 9 MiB, whatever the snapshot's size.
/// </summary>
internal static class OffsiteCodec
{
    public const string ZstdSuffix = ".zst";
    public const string AgeSuffix = ".age";

    /// <summary>What the object name gets after the snapshot's name: "", ".zst", ".age" or ".zst.age".</summary>
    public static string Suffix(CodecSettings settings) =>
        (settings.Compression == OffsiteCompression.Zstd ? ZstdSuffix : "") + (settings.Encrypted ? AgeSuffix : "");

    /// <summary>
    /// A writable stream: what is written is compressed, then encrypted, then written to
    /// <paramref name="sink"/>. Disposing ends the zstd frame and writes the final age chunk; the sink
    /// stays open. Flush does nothing: only disposing completes a copy.
    /// </summary>
    public static EncodingStream Encode(Stream sink, CodecSettings settings) =>
        Encode(sink, settings, ChaChaPolyProvider.Automatic);

    // For testing: the provider picks the ChaCha20-Poly1305 implementation.
    internal static EncodingStream Encode(Stream sink, CodecSettings settings, ChaChaPolyProvider provider)
    {
        var layers = new List<Stream>();
        var gate = new SinkGate(sink);
        Stream top = gate;
        if (settings.Encrypted)
        {
            top = new AgeEncryptingStream(top, settings.Recipients, provider);
            layers.Insert(0, top);
        }
        if (settings.Compression == OffsiteCompression.Zstd)
        {
            top = ZstdLimits.Compressor(top, settings.CompressionLevel);
            layers.Insert(0, top);
        }
        return new EncodingStream(top, layers, gate);
    }

    /// <summary>
    /// A readable stream of the snapshot: decrypts with <paramref name="identities"/> (empty: the copy
    /// is not encrypted), then decompresses. Damage, tampering, truncation, trailing data or the
    /// wrong identities throw an <see cref="OffsiteCodecException"/>. The source stays open.
    /// </summary>
    public static Stream Decode(Stream source, OffsiteCompression compression, IReadOnlyList<AgeIdentity> identities) =>
        Decode(source, compression, identities, ChaChaPolyProvider.Automatic);

    internal static Stream Decode(Stream source, OffsiteCompression compression, IReadOnlyList<AgeIdentity> identities, ChaChaPolyProvider provider)
    {
        var layers = new List<Stream>();
        var top = source;
        if (identities.Count > 0)
        {
            top = new AgeDecryptingStream(top, identities, provider);
            layers.Insert(0, top);
        }
        CountingStream? compressed = null;
        if (compression == OffsiteCompression.Zstd)
        {
            compressed = new CountingStream(top);
            top = ZstdLimits.Decompressor(compressed);
            layers.Insert(0, top);
            layers.Add(compressed);
        }
        return new DecodingStream(top, compressed, layers);
    }
}
