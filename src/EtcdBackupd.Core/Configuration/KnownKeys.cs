namespace EtcdBackupd.Configuration;

/// <summary>
/// The keys the readers asked for, as patterns: an array index reads <c>#</c>, a name under a dictionary
/// (a unit under <c>Restore.Commands</c>) <c>*</c>. What the readers ask for is the one list of what a
/// configuration may hold, so a new key needs no second entry anywhere.
/// </summary>
internal sealed class KnownKeys
{
    public const string Index = "#";
    public const string Name = "*";

    // In the order asked for, so hints list the keys as the sections read them.
    private readonly List<string> _patterns = [];
    private readonly HashSet<string> _known = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _dictionaries = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyList<string> Patterns => _patterns;

    /// <summary>A value at <paramref name="path"/> (segments joined by ':').</summary>
    public void Value(string path) => Add(Pattern(path));

    /// <summary>An array: its items, and the key itself, whose reader says so when it is not an array.</summary>
    public void Array(string path)
    {
        var pattern = Pattern(path);
        Add(pattern);
        Add($"{pattern}:{Index}");
    }

    /// <summary>A dictionary whose names are data (unit names, with dots) and whose entries hold <paramref name="fields"/>.</summary>
    public void Dictionary(string path, IEnumerable<string> fields)
    {
        var pattern = Pattern(path);
        _dictionaries.Add(pattern);
        foreach (var field in fields)
        {
            Add($"{pattern}:{Name}:{field}");
        }
    }

    public bool Contains(string path) => _known.Contains(Pattern(path));

    /// <summary>Whether keys are known below <paramref name="pattern"/>: a section, an array of objects, a dictionary.</summary>
    public bool IsSection(string pattern) =>
        pattern.Length == 0 || _patterns.Exists(k => k.StartsWith(pattern + ":", StringComparison.OrdinalIgnoreCase));

    /// <summary>The distinct segments known right below the section <paramref name="pattern"/> ("" for the top).</summary>
    public IReadOnlyList<string> Below(string pattern) => _patterns
        .Where(k => pattern.Length == 0 || k.StartsWith(pattern + ":", StringComparison.OrdinalIgnoreCase))
        .Select(k => k[(pattern.Length == 0 ? 0 : pattern.Length + 1)..].Split(':')[0])
        .Distinct(StringComparer.OrdinalIgnoreCase)
        .ToList();

    /// <summary>The pattern of a configured path: indices become <c>#</c>, names under a dictionary <c>*</c>.</summary>
    public string Pattern(string path)
    {
        var segments = path.Split(':');
        for (var i = 0; i < segments.Length; i++)
        {
            if (i > 0 && _dictionaries.Contains(string.Join(':', segments[..i])))
            {
                segments[i] = Name;
            }
            else if (segments[i].Length > 0 && segments[i].All(char.IsAsciiDigit))
            {
                segments[i] = Index;
            }
        }

        return string.Join(':', segments);
    }

    private void Add(string pattern)
    {
        if (_known.Add(pattern))
        {
            _patterns.Add(pattern);
        }
    }
}
