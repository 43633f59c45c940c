using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using EtcdBackupd.Protocol.Requests;

namespace EtcdBackupd.Protocol;

/// <summary>
/// Requests are parsed strictly: one JSON object, a string <c>command</c>, each field known to the
/// command, once, of its type. Anything else is <c>bad_request</c> with a sentence naming the field, so
/// a misspelt flag (<c>"dryrun"</c>) or a string where a boolean belongs (<c>"dryRun":"true"</c>) never
/// runs the command as if the flag were absent.
/// </summary>
internal static class RequestParser
{
    private static readonly JsonReaderOptions Reader = new() { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 16 };

    /// <summary>The <c>command</c> of a request line, or the <c>bad_request</c> message.</summary>
    public static string? Command(ReadOnlySpan<byte> line, out string? problem)
    {
        problem = null;
        string? command = null;
        try
        {
            var reader = new Utf8JsonReader(line, Reader);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                problem = "a request is a JSON object with a string \"command\"";
                return null;
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                if (!seen.Add(name))
                {
                    problem = $"the field \"{Short(name)}\" appears twice";
                    return null;
                }

                reader.Read();
                if (name == "command")
                {
                    command = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }

                reader.Skip();
            }

            if (Trailing(ref reader))
            {
                problem = "a request is one JSON object on one line; something follows it";
                return null;
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a name or value that is not valid UTF-16 once unescaped (a lone surrogate).
            problem = $"not a JSON object: {e.Message}";
            return null;
        }

        if (command is null)
        {
            problem = "a request is a JSON object with a string \"command\"";
        }

        return command;
    }

    private static bool Trailing(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.Read();
        }
        catch (JsonException)
        {
            return true;
        }
    }

    /// <summary>
    /// The arguments of a request whose command is known: unknown fields, missing required ones, and
    /// values of the wrong type are refused by name. Call after <see cref="Command"/> accepted the line.
    /// </summary>
    public static T? Arguments<T>(ReadOnlySpan<byte> line, JsonTypeInfo<T> contract, out string? problem) where T : ControlRequest
    {
        var fields = contract.Properties.Where(p => p.Set is not null).ToDictionary(p => p.Name, StringComparer.Ordinal);
        var reader = new Utf8JsonReader(line, Reader);
        reader.Read();
        var present = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            // Command() read every name of this line already: none is a lone surrogate.
            var name = reader.GetString()!;
            if (name != "command" && !fields.ContainsKey(name))
            {
                problem = $"unknown field \"{Short(name)}\" for this command; "
                    + (fields.Count == 0 ? "it takes no arguments" : $"it knows {string.Join(", ", fields.Keys.Select(k => $"\"{k}\""))}");
                return null;
            }

            present.Add(name);
            reader.Read();
            reader.Skip();
        }

        if (fields.Values.FirstOrDefault(f => f.IsRequired && !present.Contains(f.Name)) is { } missing)
        {
            problem = $"the field \"{missing.Name}\" is required";
            return null;
        }

        try
        {
            problem = null;
            return JsonSerializer.Deserialize(line, contract);
        }
        catch (InvalidOperationException e)
        {
            problem = $"a value is not valid text: {e.Message}";
            return null;
        }
        catch (JsonException e)
        {
            var name = e.Path?.TrimStart('$', '.') ?? "";
            problem = fields.TryGetValue(name, out var field)
                ? $"the field \"{name}\" must be {Expected(field.PropertyType)}"
                : $"the request does not fit the command: {e.Message}";
            return null;
        }
    }

    private static string Expected(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type == typeof(bool) ? "true or false (a JSON boolean, not a string)"
            : type == typeof(string) ? "a string"
            : type == typeof(int) || type == typeof(long) ? "a whole number"
            : type.IsEnum ? "one of: " + string.Join(", ", EnumNames(type))
            : "of another type";
    }

    private static IEnumerable<string> EnumNames(Type type) => type == typeof(Restore.RestorePhase)
        ? Enum.GetValues<Restore.RestorePhase>().Select(Restore.RestorePhases.Wire)
        : [type.Name];

    /// <summary>A name as the client sent it, cut short: a hostile client must not fill the log.</summary>
    private static string Short(string text)
    {
        var cut = text.Length > 40 ? text[..40] + "..." : text;
        var clean = new StringBuilder(cut.Length);
        foreach (var c in cut)
        {
            clean.Append(char.IsControl(c) ? '?' : c);
        }

        return clean.ToString();
    }
}
