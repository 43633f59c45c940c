namespace EtcdBackupd.Offsite.Codec;

/// <summary>Why an off-site copy could not be encoded, decoded or keyed, by kind.</summary>
internal enum OffsiteCodecFailure
{
    /// <summary>The age header does not parse: not an age file, another version, or a malformed stanza.</summary>
    HeaderInvalid,
    /// <summary>The header parses, but none of the identities given opens any of its recipient stanzas.</summary>
    NoMatchingIdentity,
    /// <summary>A file key was unwrapped, but the header's MAC does not match: the header was altered.</summary>
    HeaderTampered,
    /// <summary>An encrypted chunk does not authenticate: the payload was altered.</summary>
    PayloadTampered,
    /// <summary>The data ends early: a chunk, the final chunk or the end of a zstd frame is missing.</summary>
    Truncated,
    /// <summary>Bytes follow the end of the encrypted payload.</summary>
    TrailingData,
    /// <summary>The zstd data is corrupt, or needs more memory than the daemon allows.</summary>
    CompressedDataInvalid,
    /// <summary>An age recipient or identity (or the file holding identities) is refused.</summary>
    KeyInvalid,
}

/// <summary>An off-site copy that could not be written or read; the message is a sentence for an operator.</summary>
internal sealed class OffsiteCodecException(OffsiteCodecFailure failure, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public OffsiteCodecFailure Failure { get; } = failure;
}
