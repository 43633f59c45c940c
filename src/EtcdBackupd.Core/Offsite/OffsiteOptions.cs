using EtcdBackupd.Offsite.Codec;

namespace EtcdBackupd.Offsite;

/// <summary>Off-site copies in S3-compatible object storage: the buckets, and how objects are written and kept.</summary>
internal sealed partial class OffsiteOptions
{
    public IReadOnlyList<OffsiteTarget> Targets { get; init; } = [];

    public const string DefaultCompression = "zstd";

    /// <summary><c>Offsite.Compression</c>: <c>zstd</c> (default) or <c>none</c>; the codec applies it.</summary>
    public string Compression { get; init; } = DefaultCompression;

    public const int DefaultCompressionLevel = 3;

    /// <summary><c>Offsite.CompressionLevel</c>: zstd's level, 1 to 9 (above 9 zstd's memory leaves the daemon's budget), default 3.</summary>
    public int CompressionLevel { get; init; } = DefaultCompressionLevel;

    /// <summary><c>Offsite.AgeRecipients</c>: X25519 recipients (<c>age1...</c>); the codec checks each one.</summary>
    public IReadOnlyList<string> AgeRecipients { get; init; } = [];

    /// <summary>Compression and encryption as the codec applies them: <see cref="Compression"/>, its level, the parsed recipients.</summary>
    public CodecSettings Codec { get; init; } = new(OffsiteCompression.Zstd, DefaultCompressionLevel, []);

    /// <summary><c>Offsite.AgeIdentityFile</c>: the identity that decrypts, for fetching back; not needed to upload.</summary>
    public string? AgeIdentityFile { get; init; }

    /// <summary><c>Offsite.Retention</c>: <c>daemon</c> (default) or <c>bucket</c>.</summary>
    public OffsiteRetention Retention { get; init; } = OffsiteRetention.Daemon;

    /// <summary><c>Offsite.RetentionDays</c>: the off-site copies' age limit; <c>Snapshots.RetentionDays</c> when unset.</summary>
    public int? RetentionDays { get; init; }

    public const int DefaultAttempts = 3;

    /// <summary><c>Offsite.Attempts</c>: tries per target, with backoff between them. Default 3, 1 to 10.</summary>
    public int Attempts { get; init; } = DefaultAttempts;

    public const int DefaultTimeoutSeconds = 3600;

    /// <summary><c>Offsite.TimeoutSeconds</c>: the most one target may take, retries included. Default 3600.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(DefaultTimeoutSeconds);

    public bool Enabled => Targets.Count > 0;
}
