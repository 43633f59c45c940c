using EtcdBackupd.Protocol;

namespace EtcdBackupctl;

/// <summary>The known word an operator most likely meant: a unique prefix, or one within two edits (a swap of neighbours counts as one).</summary>
internal static class DidYouMean
{
    public static string? Closest(string typed, IEnumerable<string> known)
    {
        var candidates = known.Distinct().ToList();
        var core = typed.TrimStart('-');

        // "snap" for snapshot; only when one word fits, since "s" or "p" could mean several.
        var prefixed = candidates.Where(c => core.Length >= 3 && c.TrimStart('-').StartsWith(core, StringComparison.OrdinalIgnoreCase)).ToList();
        if (prefixed.Count == 1)
        {
            return prefixed[0];
        }

        // Two edits on a two-letter word is a different word ("ls" is not "list"): at most half the letters may change.
        var limit = Math.Min(2, Math.Max(1, core.Length / 2));
        return candidates
            .Select(c => (Word: c, Distance: EditDistance.Between(typed, c)))
            .Where(c => c.Distance <= limit)
            .OrderBy(c => c.Distance)
            .Select(c => c.Word)
            .FirstOrDefault();
    }
}
