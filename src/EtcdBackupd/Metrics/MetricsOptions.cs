using EtcdBackupd.Configuration;

namespace EtcdBackupd.Metrics;

/// <summary>Where node_exporter's textfile collector reads our metrics; no port is opened.</summary>
internal sealed class MetricsOptions
{
    /// <summary>Debian's and Ubuntu's prometheus-node-exporter textfile directory.</summary>
    public const string DefaultPath = "/var/lib/prometheus/node-exporter/etcd_backupd.prom";

    /// <summary><c>Metrics.TextfilePath</c>; empty turns the file off.</summary>
    public string? TextfilePath { get; init; } = DefaultPath;

    public static MetricsOptions Read(ConfigReader config)
    {
        var path = config.String("Metrics.TextfilePath") ?? DefaultPath;
        if (path == "off")
        {
            return new MetricsOptions { TextfilePath = null };
        }

        if (!path.EndsWith(".prom", StringComparison.Ordinal))
        {
            config.Problem("Metrics.TextfilePath", $"'{path}' must end in .prom (node_exporter reads only those), or be 'off'");
        }

        return new MetricsOptions { TextfilePath = path };
    }
}
