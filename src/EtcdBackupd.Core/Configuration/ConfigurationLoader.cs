using Microsoft.Extensions.Configuration;

namespace EtcdBackupd.Configuration;

/// <summary>
/// Reads the JSON configuration file, then environment variables prefixed <c>ETCD_BACKUPD_</c> on top
/// (<c>ETCD_BACKUPD_Snapshots__Directory=/srv/backups</c> overrides <c>Snapshots.Directory</c>).
/// </summary>
internal static class ConfigurationLoader
{
    public const string DefaultPath = "/etc/etcd-backupd/etcd-backupd.json";
    public const string EnvironmentPrefix = "ETCD_BACKUPD_";

    public static IConfiguration Load(string? path)
    {
        path ??= DefaultPath;
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new ConfigurationException($"configuration file '{full}' does not exist (pass --config FILE)");
        }

        try
        {
            return new ConfigurationBuilder()
                .AddJsonFile(full, optional: false, reloadOnChange: false)
                .AddEnvironmentVariables(EnvironmentPrefix)
                .Build();
        }
        catch (InvalidDataException e)
        {
            // The JSON provider wraps the parser's error (with its line and position) in a generic message.
            var detail = e.InnerException?.Message ?? e.Message;
            throw new ConfigurationException($"configuration file '{full}' is not valid JSON: {detail}");
        }
    }
}
