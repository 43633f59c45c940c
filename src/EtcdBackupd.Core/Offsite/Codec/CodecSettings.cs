using EtcdBackupd.Offsite.Age;

namespace EtcdBackupd.Offsite.Codec;

/// <summary>How an off-site copy's bytes are compressed (<c>Offsite.Compression</c>).</summary>
internal enum OffsiteCompression
{
    None,
    Zstd,
}

/// <summary>What is applied to a snapshot on its way off-site: zstd, then age to the recipients (if any).</summary>
internal sealed record CodecSettings(OffsiteCompression Compression, int CompressionLevel, IReadOnlyList<AgeRecipient> Recipients)
{
    public bool Encrypted => Recipients.Count > 0;

    /// <summary>The recipients as age writes them (<c>age1…</c>), for the manifest.</summary>
    public IReadOnlyList<string> RecipientKeys => [.. Recipients.Select(r => r.PublicKey)];
}
