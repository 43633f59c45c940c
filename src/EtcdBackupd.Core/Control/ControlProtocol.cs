using System.Text.Json;
using System.Text.Json.Nodes;

namespace EtcdBackupd.Control;

/// <summary>
/// The control channel's wire format (docs/control-protocol.md): newline-delimited JSON over a Unix
/// stream socket. A request is one object with a <c>command</c>; the daemon answers with zero or more
/// <c>{"event": ...}</c> lines and exactly one final <c>{"ok": true, "result": ...}</c> or
/// <c>{"ok": false, "error": {"code": ..., "message": ...}}</c>.
/// </summary>
internal static class ControlProtocol
{
    public const string DefaultSocketPath = "/run/etcd-backupd/control.sock";

    /// <summary>Requests longer than this are refused and the connection closed.</summary>
    public const int MaxRequestBytes = 64 * 1024;

    public static class Codes
    {
        public const string BadRequest = "bad_request";
        public const string TooLarge = "request_too_large";
        public const string UnknownCommand = "unknown_command";
        public const string Forbidden = "forbidden";
        public const string Failed = "failed";
        public const string NotFound = "not_found";
        public const string Idle = "idle_timeout";
    }

    public static JsonObject Ok(JsonNode? result) => new() { ["ok"] = true, ["result"] = result };

    public static JsonObject Error(string code, string message) =>
        new() { ["ok"] = false, ["error"] = new JsonObject { ["code"] = code, ["message"] = message } };

    public static JsonObject Event(string name, JsonObject fields)
    {
        fields["event"] = name;
        return fields;
    }

    /// <summary>A request's boolean flag; absent or not a boolean is false.</summary>
    public static bool Flag(JsonObject request, string name) => request[name] is JsonValue v && v.TryGetValue<bool>(out var set) && set;

    /// <summary>A request's string field; absent or not a string is null.</summary>
    public static string? Text(JsonObject request, string name) => request[name] is JsonValue v && v.TryGetValue<string>(out var text) ? text : null;

    public static byte[] Line(JsonNode message) => [.. JsonSerializer.SerializeToUtf8Bytes(message, ControlJsonContext.Default.JsonNode), (byte)'\n'];
}

[System.Text.Json.Serialization.JsonSerializable(typeof(JsonNode))]
internal sealed partial class ControlJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
