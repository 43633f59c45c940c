using System.Globalization;

namespace EtcdBackupd.FileSystem;

/// <summary>A size as an operator reads it in a message: one decimal, in the largest unit under it (KiB, MiB, GiB).</summary>
internal static class ByteSize
{
    public static string Words(long bytes) => bytes switch
    {
        >= 1L << 30 => Format(bytes / (double)(1L << 30), "GiB"),
        >= 1L << 20 => Format(bytes / (double)(1L << 20), "MiB"),
        _ => Format(bytes / 1024.0, "KiB"),
    };

    private static string Format(double value, string unit) => value.ToString("F1", CultureInfo.InvariantCulture) + " " + unit;
}
