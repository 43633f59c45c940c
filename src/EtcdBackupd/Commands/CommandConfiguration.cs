using EtcdBackupd.Configuration;
using EtcdBackupd.Hosting;

namespace EtcdBackupd.Commands;

/// <summary>
/// Configuration for a one-shot command: every problem on standard error, by key, before anything is
/// attempted; a key the daemon would refuse as unknown is refused here too.
/// </summary>
internal static class CommandConfiguration
{
    /// <summary>The sections <paramref name="read"/> takes, or null when the configuration cannot be used.</summary>
    public static async Task<T?> ReadAsync<T>(string path, Func<ConfigReader, T> read) where T : class
    {
        try
        {
            var configuration = ConfigurationLoader.Load(path);
            var reader = new ConfigReader(configuration);
            var value = read(reader);
            // A command reads a few sections, but a key is known if the daemon reads it: every section is
            // read once more for the keys it asks for, its problems left to the daemon.
            var daemon = new ConfigReader(configuration);
            DaemonConfiguration.Read(daemon, TimeProvider.System);
            reader.CheckKeys(daemon.Known);
            reader.ThrowIfAny();
            return value;
        }
        catch (ConfigurationException e)
        {
            await Console.Error.WriteLineAsync($"etcd-backupd: {e.Message}");
            return null;
        }
    }
}
