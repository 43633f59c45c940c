using System.Text.Json;
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
            throw new ConfigurationException($"configuration file '{full}' is not valid JSON: {Detail(e, full)}", e);
        }
    }

    /// <summary>
    /// Where the parser stopped, in an editor's terms (line and column from 1), and the text there. Its own
    /// message, .NET's wording with its JSON path and byte offsets, stays in the exception for the journal.
    /// </summary>
    private static string Detail(Exception e, string path)
    {
        var inner = e;
        while (inner.InnerException is not null && inner is not JsonException)
        {
            inner = inner.InnerException;
        }

        if (inner is not JsonException { LineNumber: { } line, BytePositionInLine: { } position })
        {
            return "it cannot be parsed (the journal's EXCEPTION field has the parser's words)";
        }

        var lines = ReadLines(path);
        var text = line < lines.Length ? lines[line].Trim() : "";
        var rest = lines.Skip((int)line).Aggregate("", (all, l) => all + l).Trim();
        return rest.Length == 0
            ? $"line {line + 1}: the file ends before the JSON is complete (a closing '}}' or ']' missing?)"
            : $"line {line + 1}, column {position + 1}: {(text.Length > 80 ? text[..80] + "..." : text)}";
    }

    private static string[] ReadLines(string path)
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (IOException)
        {
            return [];
        }
    }
}
