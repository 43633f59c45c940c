using System.Text;

namespace EtcdBackupd.Restore;

/// <summary>The unit file's, the environment files' and ExecStart's syntax, as systemd reads them (systemd.syntax(7), systemd.service(5)).</summary>
internal sealed partial class EtcdUnit
{
    /// <summary>
    /// The <c>[Service]</c> section's settings. A line ending in a backslash continues on the next; a comment line
    /// (<c>#</c> or <c>;</c> first) is dropped wherever it is, also inside a continued line, where a flag commented
    /// out must not come back to life.
    /// </summary>
    private static IEnumerable<(string Key, string Value)> ServiceSettings(string unit)
    {
        var inService = false;
        var logical = new StringBuilder();
        foreach (var raw in unit.Replace("\r", "", StringComparison.Ordinal).Split('\n'))
        {
            var line = raw.TrimEnd();
            if (line.TrimStart() is [('#' or ';'), ..])
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                logical.Append(line[..^1]).Append(' ');
                continue;
            }

            logical.Append(line);
            var full = logical.ToString().Trim();
            logical.Clear();
            if (full.StartsWith('[') && full.EndsWith(']'))
            {
                inService = full == "[Service]";
            }
            else if (inService && full.IndexOf('=', StringComparison.Ordinal) is > 0 and var equals)
            {
                yield return (full[..equals].Trim(), full[(equals + 1)..].Trim());
            }
        }
    }

    /// <summary>
    /// An <c>EnvironmentFile=</c>'s assignments. A line whose name is not a valid variable name is ignored, as systemd
    /// ignores it: <c>export ETCD_DATA_DIR=...</c>, written for a shell, never reaches etcd.
    /// </summary>
    private static IEnumerable<(string Name, string Value)> EnvironmentFileEntries(string text)
    {
        foreach (var line in text.Split('\n').Select(l => l.Trim()))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && line[0] is not ('#' or ';') && IsVariableName(line[..equals].Trim()))
            {
                yield return (line[..equals].Trim(), Unquote(line[(equals + 1)..].Trim()));
            }
        }
    }

    private static bool IsVariableName(string name) =>
        name.Length > 0 && !char.IsAsciiDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    /// <summary>
    /// ExecStart's words as systemd makes them: the line is split first (quotes, backslash escapes); then a word that
    /// is <c>$NAME</c> alone becomes the variable split at white space (none, one or more words), <c>${NAME}</c> anywhere
    /// in a word becomes the variable as it is (never split), <c>$$</c> is <c>$</c>, and <c>$NAME</c> inside a word
    /// stays as written.
    /// </summary>
    private List<string> ExecStartWords(string line)
    {
        var words = new List<string>();
        foreach (var word in Words(line))
        {
            if (word.Length > 1 && word[0] == '$' && word[1] is not ('{' or '$'))
            {
                if (Variable(word[1..]) is { } value)
                {
                    words.AddRange(Words(value.Value));
                }

                continue;
            }

            words.Add(Substituted(word));
        }

        return words;
    }

    private string Substituted(string word)
    {
        var result = new StringBuilder();
        for (var i = 0; i < word.Length; i++)
        {
            if (word[i] == '$' && i + 1 < word.Length && word[i + 1] == '$')
            {
                result.Append('$');
                i++;
            }
            else if (word[i] == '$' && i + 1 < word.Length && word[i + 1] == '{' && word.IndexOf('}', i + 2) is > 0 and var close)
            {
                result.Append(Variable(word[(i + 2)..close])?.Value ?? "");
                i = close;
            }
            else
            {
                result.Append(word[i]);
            }
        }

        return result.ToString();
    }

    /// <summary>Splits on white space outside quotes, dropping the quotes; a backslash takes the next character as it is.</summary>
    private static IEnumerable<string> Words(string text)
    {
        var word = new StringBuilder();
        var inWord = false;
        char? quote = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\\' && i + 1 < text.Length)
            {
                word.Append(text[++i]);
                inWord = true;
            }
            else if (quote is not null)
            {
                if (c == quote)
                {
                    quote = null;
                }
                else
                {
                    word.Append(c);
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    yield return word.ToString();
                    word.Clear();
                    inWord = false;
                }
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        if (inWord)
        {
            yield return word.ToString();
        }
    }

    private static string Unquote(string value) =>
        value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0] ? value[1..^1] : value;
}
