using System.Globalization;

namespace EtcdBackupd.Lineage;

/// <summary>etcd's cluster IDs as text: manifests and the protocol write them in lower-case hexadecimal without leading zeros.</summary>
internal static class ClusterIds
{
    /// <summary>The canonical form of <paramref name="id"/>; null when it names no cluster (missing, empty, zero, not hexadecimal).</summary>
    public static string? Normalize(string? id) =>
        ulong.TryParse(id?.Trim(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value) && value != 0
            ? value.ToString("x", CultureInfo.InvariantCulture)
            : null;

    public static string Of(ulong id) => id.ToString("x", CultureInfo.InvariantCulture);
}
