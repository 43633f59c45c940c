using System.Text.Json.Serialization;

namespace EtcdBackupd.Protocol;

/// <summary>An enum on the wire by its name only: <c>"phase": 1</c> is a wrong type, not <c>check</c>.</summary>
internal sealed class StrictEnum<T>() : JsonStringEnumConverter<T>(namingPolicy: null, allowIntegerValues: false)
    where T : struct, Enum;
