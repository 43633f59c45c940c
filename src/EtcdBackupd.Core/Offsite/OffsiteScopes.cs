namespace EtcdBackupd.Offsite;

/// <summary>Which of <c>Offsite.Targets</c> a request names: the one called <c>TARGET</c>, or every one, in order.</summary>
internal static class OffsiteScopes
{
    /// <summary>The targets, or none with the sentence that says why (none configured, or no target of that name).</summary>
    public static IReadOnlyList<OffsiteTarget> Select(OffsiteOptions options, string? name, out string? problem)
    {
        problem = null;
        if (!options.Enabled)
        {
            problem = "no off-site target is configured (Offsite.Targets is empty)";
            return [];
        }

        if (name is null)
        {
            return options.Targets;
        }

        var chosen = options.Targets.Where(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase)).ToList();
        if (chosen.Count == 0)
        {
            problem = $"no off-site target named '{Truncate(name)}': Offsite.Targets has {string.Join(", ", options.Targets.Select(t => t.Name))}";
        }

        return chosen;
    }

    private static string Truncate(string text) => text.Length <= 64 ? text : text[..64] + "…";
}
