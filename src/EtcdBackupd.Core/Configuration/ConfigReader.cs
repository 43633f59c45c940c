using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace EtcdBackupd.Configuration;

/// <summary>
/// Typed reads of configuration keys that collect every problem, each naming its key as an operator
/// writes it (<c>Etcd.Endpoints[1]</c>), so one start-up reports all of them at once. Every key asked
/// for is recorded: once every section is read, <see cref="CheckKeys"/> reports the configured keys that
/// none asked for.
/// </summary>
internal sealed class ConfigReader(IConfigurationRoot configuration)
{
    private readonly List<string> _problems = [];

    public IReadOnlyList<string> Problems => _problems;

    /// <summary>The keys asked for so far.</summary>
    public KnownKeys Known { get; } = new();

    /// <summary>Records a problem; array indices read as an operator writes them: <c>Peers.Targets[1].Port</c>.</summary>
    public void Problem(string key, string message) =>
        _problems.Add($"{System.Text.RegularExpressions.Regex.Replace(key, @"\.(\d+)(?=\.|$)", "[$1]")}: {message}");

    public string? String(string key) => Value(ToPath(key));

    /// <summary>
    /// The names under <paramref name="key"/>, a dictionary whose names are data (unit names, which hold
    /// dots) and whose entries hold <paramref name="fields"/>.
    /// </summary>
    public IReadOnlyList<string> Names(string key, params string[] fields)
    {
        Known.Dictionary(ToPath(key), fields);
        return configuration.GetSection(ToPath(key)).GetChildren().Select(c => c.Key).ToList();
    }

    /// <summary>A field of the entry <paramref name="name"/> under the dictionary <paramref name="key"/> (see <see cref="Names"/>).</summary>
    public string? String(string key, string name, string field) => Value(ConfigurationPath.Combine(ToPath(key), name, field));

    public string RequiredString(string key, string example)
    {
        var value = String(key);
        if (value is null)
        {
            Problem(key, $"is required (for example {example})");
            return "";
        }

        return value;
    }

    public IReadOnlyList<string> StringArray(string key)
    {
        Known.Array(ToPath(key));
        var section = configuration.GetSection(ToPath(key));
        if (section.Value is { Length: 0 })
        {
            // The JSON reader hands an empty array ([]) over as an empty string: it is an empty list.
            return [];
        }

        if (section.Value is not null)
        {
            Problem(key, $"must be an array of strings, not '{section.Value}'");
            return [];
        }

        return section.GetChildren()
            .OrderBy(c => int.TryParse(c.Key, out var i) ? i : int.MaxValue)
            .Select(c => c.Value ?? "")
            .ToList();
    }

    public int Int(string key, int defaultValue, int min, int max)
    {
        var text = String(key);
        if (text is null)
        {
            return defaultValue;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            Problem(key, $"'{text}' is not a whole number from {min} to {max}");
            return defaultValue;
        }

        return value;
    }

    public bool Bool(string key, bool defaultValue)
    {
        var text = String(key);
        if (text is null)
        {
            return defaultValue;
        }

        if (!bool.TryParse(text, out var value))
        {
            Problem(key, $"'{text}' must be true or false");
            return defaultValue;
        }

        return value;
    }

    /// <summary>Whether anything is configured under <paramref name="key"/>.</summary>
    public bool Has(string key) => configuration.GetSection(ToPath(key)).Exists();

    /// <summary>A file that must exist when the key is set.</summary>
    public string? ExistingFile(string key)
    {
        var path = String(key);
        if (path is not null && !File.Exists(path))
        {
            Problem(key, $"file '{path}' does not exist");
        }

        return path;
    }

    /// <summary>
    /// A problem for every configured key that no reader asked for; <paramref name="known"/> when the keys
    /// were asked for by another reader (a command that reads only some sections).
    /// </summary>
    public void CheckKeys(KnownKeys? known = null) => _problems.AddRange(UnknownKeys.Problems(configuration, known ?? Known));

    public void ThrowIfAny()
    {
        if (_problems.Count > 0)
        {
            throw new ConfigurationException(_problems);
        }
    }

    private string? Value(string path)
    {
        Known.Value(path);
        var value = configuration[path];
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    private static string ToPath(string key) => key.Replace('.', ':');
}
