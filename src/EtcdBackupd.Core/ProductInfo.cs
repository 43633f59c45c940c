using System.Reflection;

namespace EtcdBackupd;

internal static class ProductInfo
{
    /// <summary>The version from Directory.Build.props, without the source-revision suffix.</summary>
    public static string Version { get; } =
        (typeof(ProductInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0")
        .Split('+')[0];
}
