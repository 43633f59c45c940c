using System.Text.Json.Serialization;

namespace EtcdBackupd.Commands;

/// <summary>What the one-shot commands print with <c>--json</c>: the protocol's records, indented for people too.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(SnapshotReport))]
[JsonSerializable(typeof(CheckResult))]
[JsonSerializable(typeof(FetchResult))]
internal sealed partial class OneShotJsonContext : JsonSerializerContext;
