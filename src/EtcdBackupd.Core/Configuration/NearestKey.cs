using EtcdBackupd.Protocol;

namespace EtcdBackupd.Configuration;

/// <summary>The known key an unknown one was most likely meant to be: a slip of a letter or two, or the right key in the wrong section.</summary>
internal static class NearestKey
{
    /// <summary>The known pattern nearest to <paramref name="pattern"/>, or null when none is near enough to be a slip.</summary>
    public static string? Find(string pattern, IEnumerable<string> known)
    {
        var name = LastName(pattern);
        var best = known
            .Select(k => (Key: k, Whole: EditDistance.Between(pattern, k)))
            // The right name in the wrong section (RetentionDays at the top) counts one more than a slip.
            .Select(c => (c.Key, c.Whole, Score: Math.Min(c.Whole, EditDistance.Between(name, LastName(c.Key)) + 1)))
            .OrderBy(c => c.Score).ThenBy(c => c.Whole)
            .FirstOrDefault();
        // A third of the name: "RetentionDay" is a slip for "RetentionDays", "Foo" is not one for "Tool".
        return best.Key is not null && best.Score <= Math.Max(2, name.Length / 3) ? best.Key : null;
    }

    /// <summary>The last segment that is a name, not an index or a dictionary's name.</summary>
    private static string LastName(string pattern) =>
        pattern.Split(':').LastOrDefault(s => s is not (KnownKeys.Index or KnownKeys.Name)) ?? pattern;
}
