namespace EtcdBackupd.Offsite;

/// <summary>An off-site copy that cannot be made or trusted, with a message an operator can act on.</summary>
internal sealed class OffsiteException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>A retry would meet the same problem (keys refused, no such bucket): not retried.</summary>
    public bool Final { get; init; }
}
