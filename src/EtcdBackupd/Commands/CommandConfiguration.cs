using EtcdBackupd.Configuration;

namespace EtcdBackupd.Commands;

/// <summary>Configuration for a one-shot command: every problem on standard error, by key, before anything is attempted.</summary>
internal static class CommandConfiguration
{
    /// <summary>The sections <paramref name="read"/> takes, or null when the configuration cannot be used.</summary>
    public static async Task<T?> ReadAsync<T>(string path, Func<ConfigReader, T> read) where T : class
    {
        try
        {
            var reader = new ConfigReader(ConfigurationLoader.Load(path));
            var value = read(reader);
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
