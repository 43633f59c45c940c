using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace EtcdBackupd.Configuration;

/// <summary>
/// Reads the JSON configuration file, then environment variables prefixed <c>ETCD_BACKUPD_</c> on top
/// (<c>ETCD_BACKUPD_Snapshots__Directory=/srv/backups</c> overrides <c>Snapshots.Directory</c>). Every key
/// in either must be one a reader asks for (<see cref="ConfigReader.CheckKeys"/>); a variable without the
/// <c>Section__Key</c> shape (<c>ETCD_BACKUPD_X</c>) is not configuration and is left alone.
/// </summary>
internal static class ConfigurationLoader
{
    public const string DefaultPath = "/etc/etcd-backupd/etcd-backupd.json";
    public const string EnvironmentPrefix = "ETCD_BACKUPD_";

    public static IConfigurationRoot Load(string? path)
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
            throw new ConfigurationException($"configuration file '{full}' is not valid JSON: {Detail(e)}");
        }
    }

    /// <summary>
    /// The parser's own words, at the line and column it stopped: the JSON provider wraps them twice in
    /// messages that name neither ("Could not parse the JSON file.").
    /// </summary>
    private static string Detail(Exception e)
    {
        var inner = e;
        while (inner.InnerException is not null && inner is not JsonException)
        {
            inner = inner.InnerException;
        }

        if (inner is JsonException { LineNumber: { } line, BytePositionInLine: { } position } json)
        {
            // System.Text.Json counts both from 0 and appends them to its message; an editor counts from 1.
            var message = Regex.Replace(json.Message, @"\s*LineNumber: \d+ \| BytePositionInLine: \d+\.?$", "");
            return $"line {line + 1}, column {position + 1}: {message}";
        }

        return inner.Message;
    }
}
