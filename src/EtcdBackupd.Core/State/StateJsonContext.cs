using System.Text.Json.Serialization;

namespace EtcdBackupd.State;

/// <summary>The files the daemon keeps in <c>State.Directory</c>, serialised without reflection (Native AOT).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(VerificationCacheFile))]
[JsonSerializable(typeof(CopyLedgerFile))]
internal sealed partial class StateJsonContext : JsonSerializerContext;
