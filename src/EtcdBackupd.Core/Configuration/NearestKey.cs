namespace EtcdBackupd.Configuration;

/// <summary>The known key an unknown one was most likely meant to be: a slip of a letter or two, or the right key in the wrong section.</summary>
internal static class NearestKey
{
    /// <summary>The known pattern nearest to <paramref name="pattern"/>, or null when none is near enough to be a slip.</summary>
    public static string? Find(string pattern, IEnumerable<string> known)
    {
        var name = LastName(pattern);
        var best = known
            .Select(k => (Key: k, Whole: Distance(pattern, k)))
            // The right name in the wrong section (RetentionDays at the top) counts one more than a slip.
            .Select(c => (c.Key, c.Whole, Score: Math.Min(c.Whole, Distance(name, LastName(c.Key)) + 1)))
            .OrderBy(c => c.Score).ThenBy(c => c.Whole)
            .FirstOrDefault();
        // A third of the name: "RetentionDay" is a slip for "RetentionDays", "Foo" is not one for "Tool".
        return best.Key is not null && best.Score <= Math.Max(2, name.Length / 3) ? best.Key : null;
    }

    /// <summary>The last segment that is a name, not an index or a dictionary's name.</summary>
    private static string LastName(string pattern) =>
        pattern.Split(':').LastOrDefault(s => s is not (KnownKeys.Index or KnownKeys.Name)) ?? pattern;

    /// <summary>Edits (insert, delete, replace, swap two neighbours) from one to the other, ignoring case.</summary>
    public static int Distance(string a, string b)
    {
        a = a.ToUpperInvariant();
        b = b.ToUpperInvariant();
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
