using System.Text;

namespace EtcdBackupd.Protocol.Tables;

/// <summary>A column: its header in words, and whether its cells should stay whole (a file name to copy) while others wrap.</summary>
internal sealed record Column(string Header, bool Whole = false)
{
    public static implicit operator Column(string header) => new(header);
}

/// <summary>
/// Tables for people, drawn like <c>etcdctl -w table</c>, that fit <see cref="Width"/> columns: when the cells are
/// wider, the widest columns wrap (at spaces, else after a comma, slash or dash), those marked whole last.
/// With <c>--wide</c> nothing wraps.
/// </summary>
internal static class Table
{
    public const int Width = 100;

    // Narrower, a column wraps most words, and an age ("400 days ago") breaks in two.
    private const int Narrowest = 12;

    // A sentence wrapped narrower than this reads as a column of single words.
    private const int Comfortable = 30;

    public static string Render(View view, IReadOnlyList<Column> columns, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = rows.ToList();
        var widths = Fit(columns, all, view.Width);
        var border = "+" + string.Join("+", widths.Select(w => new string('-', w + 2))) + "+";
        var text = new StringBuilder().AppendLine(border);
        AppendRow(text, columns.Select(c => c.Header).ToList(), widths);
        text.AppendLine(border);
        foreach (var row in all)
        {
            AppendRow(text, row, widths);
        }

        return text.AppendLine(border).ToString();
    }

    /// <summary>Two columns, one row per field, for a single object.</summary>
    public static string Fields(View view, IEnumerable<(string Name, string Value)> fields) =>
        Render(view, [new Column("FIELD", Whole: true), "VALUE"], fields.Select(f => (IReadOnlyList<string>)[f.Name, f.Value]));

    private static int[] Fit(IReadOnlyList<Column> columns, List<IReadOnlyList<string>> rows, int width)
    {
        var widths = columns.Select((c, i) => rows.Select(r => Longest(r[i])).Append(c.Header.Length).Max()).ToArray();

        // First the sentences wrap, down to a comfortable width; then the cells meant to stay whole (a file
        // name too long for any layout); then the sentences again, down to the narrowest.
        Shrink(widths, columns.Select((c, i) => c.Whole ? widths[i] : Math.Min(widths[i], Comfortable)).ToArray(), width);
        Shrink(widths, columns.Select((c, i) => c.Whole ? Math.Min(widths[i], Math.Max(c.Header.Length, Narrowest)) : widths[i]).ToArray(), width);
        Shrink(widths, columns.Select((c, i) => Math.Min(widths[i], Math.Max(c.Header.Length, Narrowest))).ToArray(), width);
        return widths;
    }

    /// <summary>Narrows the widest column above its floor, one character at a time, until the table fits or none can narrow.</summary>
    private static void Shrink(int[] widths, int[] floor, int width)
    {
        // "| " + cells joined by " | " + " |".
        var frame = 3 * widths.Length + 1;
        while (widths.Sum() + frame > width)
        {
            var widest = Enumerable.Range(0, widths.Length).Where(i => widths[i] > floor[i]).OrderByDescending(i => widths[i]).FirstOrDefault(-1);
            if (widest < 0)
            {
                return;
            }

            widths[widest]--;
        }
    }

    private static void AppendRow(StringBuilder text, IReadOnlyList<string> cells, int[] widths)
    {
        var lines = cells.Select((c, i) => Wrap(c, widths[i])).ToList();
        for (var line = 0; line < lines.Max(l => l.Count); line++)
        {
            text.Append("| ").AppendJoin(" | ", lines.Select((l, i) => (line < l.Count ? l[line] : "").PadRight(widths[i]))).AppendLine(" |");
        }
    }

    private static int Longest(string cell) => cell.Split('\n').Max(l => l.Length);

    /// <summary>The cell's lines at most <paramref name="width"/> long: words as they fit, a word too long broken after punctuation.</summary>
    public static List<string> Wrap(string text, int width)
    {
        var lines = new List<string>();
        foreach (var paragraph in text.Split('\n'))
        {
            var line = new StringBuilder();
            foreach (var word in paragraph.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (line.Length > 0 && line.Length + 1 + word.Length > width)
                {
                    lines.Add(line.ToString());
                    line.Clear();
                }

                // A word too long for any line: its pieces each on a line of their own, no space put inside it.
                var pieces = Pieces(word, width).ToList();
                lines.AddRange(pieces.SkipLast(1));
                line.Append(line.Length > 0 ? " " : "").Append(pieces[^1]);
            }

            lines.Add(line.ToString());
        }

        return lines;
    }

    /// <summary>A word longer than the column, cut after the last comma, slash, dash, equals sign or colon that fits; else at the edge.</summary>
    private static IEnumerable<string> Pieces(string word, int width)
    {
        while (word.Length > width)
        {
            var cut = word.LastIndexOfAny([',', '/', '-', '=', ':', ';'], width - 1);
            var at = cut >= width / 3 ? cut + 1 : width;
            yield return word[..at];
            word = word[at..];
        }

        yield return word;
    }
}
