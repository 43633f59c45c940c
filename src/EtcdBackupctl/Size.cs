using System.Globalization;

namespace EtcdBackupctl;

/// <summary>Sizes for people: "123.4 MiB"; with <c>--wide</c> the exact bytes beside it.</summary>
internal static class Size
{
    public static string Format(long? bytes, View view) => bytes is not { } b ? "-"
        : view.Wide && b >= 1024 ? $"{Human(b)} ({b.ToString(CultureInfo.InvariantCulture)} bytes)" : Human(b);

    public static string Human(long bytes) => bytes switch
    {
        >= 1L << 30 => Scaled(bytes, 1L << 30) + " GiB",
        >= 1L << 20 => Scaled(bytes, 1L << 20) + " MiB",
        >= 1L << 10 => Scaled(bytes, 1L << 10) + " KiB",
        _ => bytes.ToString(CultureInfo.InvariantCulture) + " B",
    };

    private static string Scaled(long bytes, long unit) => (bytes / (double)unit).ToString("F1", CultureInfo.InvariantCulture);
}
