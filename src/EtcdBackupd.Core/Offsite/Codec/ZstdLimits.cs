using ZstdSharp;
using ZstdSharp.Unsafe;

namespace EtcdBackupd.Offsite.Codec;

/// <summary>
/// The zstd settings that keep encoding and decoding inside the daemon's 48 MiB budget. zstd's own
/// defaults let a frame ask the reader for a 128 MiB window (more with --ultra); here the reader
/// refuses windows over 2^<see cref="MaxWindowLog"/>. Levels above <see cref="MaxLevel"/> are refused:
/// measured in bench/offsite-codec, a whole encoding process peaks at 12.5 MiB RSS at level 3,
/// 24 MiB at level 9 and 98 MiB at level 19 (its match tables alone are some 80 MiB).
/// </summary>
internal static class ZstdLimits
{
    public const int DefaultLevel = 3;
    public const int MinLevel = 1;
    public const int MaxLevel = 9;
    /// <summary>8 MiB: room for what `zstd` writes up to level 19 (at most 8 MiB); what we write is at most 4 MiB.</summary>
    public const int MaxWindowLog = 23;
    /// <summary>Compression workers: two at most, so an upload never takes more than two of a busy master's cores.</summary>
    public static readonly int Workers = Math.Clamp(Environment.ProcessorCount, 1, 2);
    public const int JobBytes = 1 << 20;

    public static CompressionStream Compressor(Stream inner, int level)
    {
        if (level is < MinLevel or > MaxLevel)
            throw new ArgumentOutOfRangeException(nameof(level), level, $"The zstd level must be {MinLevel} to {MaxLevel}.");
        var stream = new CompressionStream(inner, level);
        // zstd's own window for the level on input of unknown size, written down so the bound cannot drift.
        stream.SetParameter(ZSTD_cParameter.ZSTD_c_windowLog, level switch { 1 => 19, 2 => 20, <= 8 => 21, _ => 22 });
        // A content checksum, as the zstd command writes by default: corruption is caught even unencrypted.
        stream.SetParameter(ZSTD_cParameter.ZSTD_c_checksumFlag, 1);
        // zstd's own worker threads (the format is unchanged: one frame, any zstd reads it). The managed
        // port costs about 13 ms of CPU per MiB at level 3, the whole upload's bottleneck on one thread;
        // workers take it off the reading thread and use a second core where there is one. Jobs of
        // 1 MiB (zstd's default would be 8 MiB at this window) keep each worker's buffers small.
        stream.SetParameter(ZSTD_cParameter.ZSTD_c_nbWorkers, Workers);
        stream.SetParameter(ZSTD_cParameter.ZSTD_c_jobSize, JobBytes);
        return stream;
    }

    public static DecompressionStream Decompressor(Stream inner)
    {
        var stream = new DecompressionStream(inner, checkEndOfStream: true);
        stream.SetParameter(ZSTD_dParameter.ZSTD_d_windowLogMax, MaxWindowLog);
        return stream;
    }
}
