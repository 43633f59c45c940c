using ZstdSharp;
using ZstdSharp.Unsafe;

namespace EtcdBackupd.Offsite.Codec;

/// <summary>
/// The zstd settings that keep encoding and decoding inside the daemon's 48 MiB budget. zstd's own
/// defaults let a frame ask for a 128 MiB window (more at --ultra); here the window is at most
/// 2^<see cref="MaxWindowLog"/> both ways, and the levels above <see cref="MaxLevel"/>, whose match
/// tables alone pass 64 MiB, are refused.
/// </summary>
internal static class ZstdLimits
{
    public const int DefaultLevel = 3;
    public const int MinLevel = 1;
    public const int MaxLevel = 19;
    /// <summary>8 MiB: what levels 1-19 use on large input, and what `zstd` writes at its default level (2 MiB) with room.</summary>
    public const int MaxWindowLog = 23;

    public static CompressionStream Compressor(Stream inner, int level)
    {
        if (level is < MinLevel or > MaxLevel)
            throw new ArgumentOutOfRangeException(nameof(level), level, $"The zstd level must be {MinLevel} to {MaxLevel}.");
        var stream = new CompressionStream(inner, level);
        stream.SetParameter(ZSTD_cParameter.ZSTD_c_windowLog, Math.Min(MaxWindowLog, WindowLogOf(level)));
        // A content checksum, as the zstd command writes by default: corruption is caught even unencrypted.
        stream.SetParameter(ZSTD_cParameter.ZSTD_c_checksumFlag, 1);
        return stream;
    }

    public static DecompressionStream Decompressor(Stream inner)
    {
        var stream = new DecompressionStream(inner, checkEndOfStream: true);
        stream.SetParameter(ZSTD_dParameter.ZSTD_d_windowLogMax, MaxWindowLog);
        return stream;
    }

    /// <summary>zstd's window for a level on input of unknown size (its table for inputs over 256 KiB).</summary>
    private static int WindowLogOf(int level) => level switch
    {
        1 => 19,
        2 => 20,
        <= 8 => 21,
        <= 16 => 22,
        _ => 23,
    };
}
