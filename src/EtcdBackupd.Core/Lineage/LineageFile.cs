using System.Text.Json.Serialization;

namespace EtcdBackupd.Lineage;

/// <summary>One cluster ID this cluster has had (etcd's hexadecimal form, as manifests write it) and when this master first saw it.</summary>
internal sealed record LineageEntry(string ClusterId, DateTimeOffset FirstSeen);

/// <summary><c>cluster-lineage.json</c> in <c>State.Directory</c>: the IDs in the order they were first seen.</summary>
internal sealed record LineageFile(IReadOnlyList<LineageEntry> Clusters);

/// <summary>Indented: an operator reads it with <c>cat</c> when a restore is refused.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true, RespectNullableAnnotations = true)]
[JsonSerializable(typeof(LineageFile))]
internal sealed partial class LineageJsonContext : JsonSerializerContext;
