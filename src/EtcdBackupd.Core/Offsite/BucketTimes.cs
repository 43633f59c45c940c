namespace EtcdBackupd.Offsite;

/// <summary>A time the store gave (an object's last write, an upload's start), as UTC whatever kind the SDK hands over.</summary>
internal static class BucketTimes
{
    public static DateTimeOffset? Utc(DateTime? at) => at switch
    {
        { Kind: DateTimeKind.Local } local => new DateTimeOffset(local.ToUniversalTime(), TimeSpan.Zero),
        { } other => new DateTimeOffset(DateTime.SpecifyKind(other, DateTimeKind.Utc), TimeSpan.Zero),
        null => null,
    };
}
