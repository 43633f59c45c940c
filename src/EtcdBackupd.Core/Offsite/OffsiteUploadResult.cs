using EtcdBackupd.Protocol.Results;

namespace EtcdBackupd.Offsite;

/// <summary>What became of one snapshot in one off-site target.</summary>
internal sealed record OffsiteUploadResult(string Target, bool Ok, bool Skipped, string? Error, int Attempts, TimeSpan Duration, string Key)
{
    /// <summary>The copy as the protocol reports it.</summary>
    public OffsiteCopy ToCopy() => new(Target, Key, Ok, Skipped, Error);
}
