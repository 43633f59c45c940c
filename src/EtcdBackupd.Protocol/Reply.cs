using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using EtcdBackupd.Protocol.Results;

namespace EtcdBackupd.Protocol;

/// <summary>
/// A final answer as the daemon writes it: <c>{"ok":true,"result":...}</c>, or <c>{"ok":false,"error":{...}}</c>
/// with, for a cluster restore that failed, the members' steps in <c>result</c> beside the error. The
/// result is serialised through its source-generated contract when the line is written.
/// </summary>
internal sealed class Reply
{
    private readonly Action<Utf8JsonWriter>? _writeResult;

    private Reply(ControlError? error, object? result, Action<Utf8JsonWriter>? writeResult)
    {
        Error = error;
        Result = result;
        _writeResult = writeResult;
    }

    /// <summary>Null when the request succeeded.</summary>
    public ControlError? Error { get; }

    public bool Ok => Error is null;

    /// <summary>The typed result, for a caller in this process (the one-shot restore reads its plan's exit code from it); null when there is none.</summary>
    public object? Result { get; }

    public static Reply Success<T>(T result, JsonTypeInfo<T> contract) => new(null, result, w => JsonSerializer.Serialize(w, result, contract));

    public static Reply Failure(string code, string message) => new(new ControlError(code, message), null, null);

    public static Reply Failure<T>(string code, string message, T result, JsonTypeInfo<T> contract) =>
        new(new ControlError(code, message), result, w => JsonSerializer.Serialize(w, result, contract));

    /// <summary>Writes the result alone, as it appears under <c>result</c>; nothing when there is none.</summary>
    public void WriteResult(Utf8JsonWriter writer) => _writeResult?.Invoke(writer);

    /// <summary>The answer as one line, newline included.</summary>
    public byte[] ToLine()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteBoolean("ok", Ok);
            if (Error is { } error)
            {
                writer.WritePropertyName("error");
                JsonSerializer.Serialize(writer, error, ProtocolJsonContext.Default.ControlError);
            }

            if (_writeResult is not null)
            {
                writer.WritePropertyName("result");
                _writeResult(writer);
            }

            writer.WriteEndObject();
        }

        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] EventLine(ProgressEvent progress) =>
        [.. JsonSerializer.SerializeToUtf8Bytes(progress, ProtocolJsonContext.Default.ProgressEvent), (byte)'\n'];
}
