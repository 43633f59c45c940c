using System.Text;

namespace EtcdBackupd.Restore;

/// <summary>etcd's configuration file: with one, etcd reads its settings there and ignores every flag and variable.</summary>
internal sealed partial class EtcdUnit
{
    /// <param name="path">The file, as the unit names it.</param>
    /// <param name="named">How the unit names it: <c>--config-file</c> or <c>ETCD_CONFIG_FILE</c>.</param>
    /// <param name="source">Where the unit names it.</param>
    /// <param name="readFile">Reads a file; null when it does not exist.</param>
    private void ReadConfigFile(string path, string named, string source, Func<string, string?> readFile)
    {
        _fromConfigFile = true;
        var file = Within(path);
        if (readFile(file) is not { } yaml)
        {
            Problems.Add($"etcd's configuration file {file} ({source}) cannot be read: etcd takes its settings from it alone; set the Restore.* keys");
            return;
        }

        foreach (var line in yaml.Replace("\r", "", StringComparison.Ordinal).Split('\n'))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line[0] is not (' ' or '\t' or '#') && Scalar(line[(colon + 1)..]) is { } value)
            {
                var key = line[..colon].Trim();
                _configFile[key] = (value, $"{key} in {named} {path}");
            }
        }
    }

    /// <summary>
    /// A top-level YAML value as etcd's YAML reader takes it: quotes removed (with their escapes), a comment after
    /// the value dropped; null for no value (<c>null</c>, <c>~</c>, nothing), which leaves etcd's default.
    /// </summary>
    private static string? Scalar(string raw)
    {
        var text = raw.Trim();
        if (text.Length > 0 && text[0] is '"' or '\'')
        {
            return Quoted(text);
        }

        var comment = text.StartsWith('#') ? 0 : text.IndexOf(" #", StringComparison.Ordinal);
        if (comment >= 0)
        {
            text = text[..comment].TrimEnd();
        }

        return text is "" or "~" or "null" or "Null" or "NULL" ? null : text;
    }

    /// <summary>A quoted scalar: <c>''</c> is a quote inside single quotes, a backslash escapes inside double ones.</summary>
    private static string Quoted(string text)
    {
        var quote = text[0];
        var value = new StringBuilder();
        for (var i = 1; i < text.Length; i++)
        {
            if (quote == '"' && text[i] == '\\' && i + 1 < text.Length)
            {
                value.Append(text[++i]);
            }
            else if (text[i] == quote && quote == '\'' && i + 1 < text.Length && text[i + 1] == '\'')
            {
                value.Append('\'');
                i++;
            }
            else if (text[i] == quote)
            {
                break;
            }
            else
            {
                value.Append(text[i]);
            }
        }

        return value.ToString();
    }
}
