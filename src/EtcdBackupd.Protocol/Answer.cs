using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace EtcdBackupd.Protocol;

/// <summary>
/// A final answer as a client reads it. Reading is lenient (fields a newer daemon adds are ignored);
/// requests, the daemon's input, are strict (<see cref="RequestParser"/>).
/// </summary>
internal sealed record Answer<T>(bool Ok, T? Result, ControlError? Error);

/// <summary>What kind of line arrived: an event (<c>event</c>) or the final answer (<c>ok</c>).</summary>
internal sealed record LineHead(string? Event, bool? Ok, ControlError? Error);

internal static class Answers
{
    /// <summary>The line's kind; null when it is not a JSON object at all.</summary>
    public static LineHead? Head(ReadOnlySpan<byte> line)
    {
        try
        {
            return JsonSerializer.Deserialize(line, ProtocolJsonContext.Default.LineHead);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A final answer with a result of type <typeparamref name="T"/>; a line that does not fit is a <c>failed</c> answer saying so.</summary>
    public static Answer<T> Read<T>(ReadOnlySpan<byte> line, JsonTypeInfo<Answer<T>> contract)
    {
        try
        {
            return JsonSerializer.Deserialize(line, contract) is { } answer && (answer.Ok ? answer.Result is not null : answer.Error is not null)
                ? answer
                : Unreadable<T>("the answer has no result or error");
        }
        catch (JsonException e)
        {
            return Unreadable<T>(e.Message);
        }
    }

    private static Answer<T> Unreadable<T>(string why) =>
        new(false, default, new ControlError(ErrorCodes.Failed, $"the daemon's answer could not be read ({why}); is it another version?"));
}
