using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;

namespace EtcdBackupd.Configuration;

/// <summary>
/// Every configured key that no reader asked for, from the file and from <c>ETCD_BACKUPD_</c> variables,
/// each with the known key it was most likely meant to be. A key nothing reads would otherwise leave the
/// daemon on a default the operator believes changed.
/// </summary>
internal static class UnknownKeys
{
    public static IEnumerable<string> Problems(IConfigurationRoot configuration, KnownKeys known)
    {
        foreach (var provider in configuration.Providers)
        {
            var variable = provider is EnvironmentVariablesConfigurationProvider;
            foreach (var path in Leaves(provider, parent: null))
            {
                // ETCD_BACKUPD_X without the Section__Key shape is not configuration: no section has a top-level value.
                if ((variable && !path.Contains(':', StringComparison.Ordinal)) || known.Contains(path))
                {
                    continue;
                }

                var pattern = known.Pattern(path);
                var subject = Display(path, pattern);
                var problem = Describe(path, pattern, provider.TryGet(path, out var value) ? value : null, known, variable);
                if (problem is not null)
                {
                    yield return variable ? $"{VariableName(path)}: {subject} {problem}" : $"{subject}: {problem}";
                }
            }
        }
    }

    /// <summary>How an operator writes a key: <c>Peers.Targets[0].Host</c>, <c>Restore.Commands["etcd.service"].Stop</c>.</summary>
    public static string Display(string path, string pattern)
    {
        var segments = path.Split(':');
        var kinds = pattern.Split(':');
        var text = new StringBuilder();
        for (var i = 0; i < segments.Length; i++)
        {
            text.Append(kinds[i] switch
            {
                KnownKeys.Index => $"[{segments[i]}]",
                KnownKeys.Name => $"[\"{segments[i]}\"]",
                // A key written with a dot in the file ("Etcd.Endpoints") is one name, not two.
                _ when segments[i].Contains('.', StringComparison.Ordinal) => $"[\"{segments[i]}\"]",
                _ => i == 0 ? segments[i] : "." + segments[i],
            });
        }

        return text.ToString();
    }

    private static string? Describe(string path, string pattern, string? value, KnownKeys known, bool variable)
    {
        if (known.IsSection(pattern))
        {
            // "Peers": {} or null holds nothing, which is what an absent section holds too.
            var first = known.Patterns.First(k => k.StartsWith(pattern + ":", StringComparison.OrdinalIgnoreCase));
            return string.IsNullOrWhiteSpace(value) ? null
                : $"is a section, not a value: it holds keys such as {Suggest(first, path, pattern, variable)}";
        }

        var nearest = NearestKey.Find(pattern, known.Patterns);
        if (nearest is not null)
        {
            return $"is not a known key; did you mean {Suggest(nearest, path, pattern, variable)}?";
        }

        var section = pattern;
        do
        {
            var cut = section.LastIndexOf(':');
            section = cut < 0 ? "" : section[..cut];
        }
        while (!known.IsSection(section));

        var names = string.Join(", ", known.Below(section).Select(n => n switch { KnownKeys.Index => "[0]", KnownKeys.Name => "[\"...\"]", _ => n }));
        return section.Length == 0
            ? $"is not a known key; the sections are {names}"
            : $"is not a known key; {Display(string.Join(':', path.Split(':')[..section.Split(':').Length]), section)} holds {names}";
    }

    /// <summary>A known pattern written with the unknown key's own indices and names where they line up.</summary>
    private static string Suggest(string knownPattern, string path, string pattern, bool variable)
    {
        var known = knownPattern.Split(':');
        var segments = path.Split(':');
        var kinds = pattern.Split(':');
        var filled = known.Select((k, i) => k switch
        {
            KnownKeys.Index or KnownKeys.Name when i < kinds.Length && kinds[i] == k => segments[i],
            KnownKeys.Index => "0",
            KnownKeys.Name => "...",
            _ => k,
        });
        var concrete = string.Join(':', filled);
        var display = Display(concrete, knownPattern);
        return variable ? $"{display} ({VariableName(concrete)})" : display;
    }

    private static string VariableName(string path) => ConfigurationLoader.EnvironmentPrefix + path.Replace(":", "__", StringComparison.Ordinal);

    /// <summary>Every path that holds a value (or an empty object) rather than further keys.</summary>
    private static IEnumerable<string> Leaves(IConfigurationProvider provider, string? parent)
    {
        foreach (var child in provider.GetChildKeys([], parent).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var path = parent is null ? child : ConfigurationPath.Combine(parent, child);
            var below = Leaves(provider, path).ToList();
            foreach (var leaf in below.Count == 0 ? [path] : below)
            {
                yield return leaf;
            }
        }
    }
}
