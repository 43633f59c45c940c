using System.Text;

namespace EtcdBackupctl;

/// <summary>Tables for people, drawn like <c>etcdctl -w table</c>.</summary>
internal static class Table
{
    public static string Render(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = rows.ToList();
        var widths = headers.Select((h, i) => Math.Max(h.Length, all.Count == 0 ? 0 : all.Max(r => r[i].Length))).ToArray();
        var border = "+" + string.Join("+", widths.Select(w => new string('-', w + 2))) + "+";
        var text = new StringBuilder().AppendLine(border).AppendLine(Row(headers, widths)).AppendLine(border);
        foreach (var row in all)
        {
            text.AppendLine(Row(row, widths));
        }

        return text.AppendLine(border).ToString();
    }

    /// <summary>Two columns, one row per field, for a single object.</summary>
    public static string Fields(IEnumerable<(string Name, string Value)> fields) =>
        Render(["FIELD", "VALUE"], fields.Select(f => (IReadOnlyList<string>)[f.Name, f.Value]));

    private static string Row(IReadOnlyList<string> cells, int[] widths) =>
        "| " + string.Join(" | ", cells.Select((c, i) => c.PadRight(widths[i]))) + " |";
}
