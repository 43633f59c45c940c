using System.Text.Json.Serialization;
using EtcdBackupd.Protocol.Requests;
using EtcdBackupd.Protocol.Restore;
using EtcdBackupd.Protocol.Results;

namespace EtcdBackupd.Protocol;

/// <summary>
/// Every record of the control protocol, serialised without reflection (Native AOT). Field names are
/// camelCase; a nullable field is written as <c>null</c> unless its record says it is left out.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, RespectNullableAnnotations = true, AllowDuplicateProperties = false)]
[JsonSerializable(typeof(StatusRequest))]
[JsonSerializable(typeof(SnapshotRequest))]
[JsonSerializable(typeof(ListRequest))]
[JsonSerializable(typeof(PeersRequest))]
[JsonSerializable(typeof(CheckRequest))]
[JsonSerializable(typeof(VerifyRequest))]
[JsonSerializable(typeof(PruneRequest))]
[JsonSerializable(typeof(PinRequest))]
[JsonSerializable(typeof(UnpinRequest))]
[JsonSerializable(typeof(RestoreRequest))]
[JsonSerializable(typeof(RestorePhaseRequest))]
[JsonSerializable(typeof(RecoverRequest))]
[JsonSerializable(typeof(FetchRequest))]
[JsonSerializable(typeof(ImportRequest))]
[JsonSerializable(typeof(ControlError))]
[JsonSerializable(typeof(LineHead))]
[JsonSerializable(typeof(ProgressEvent))]
[JsonSerializable(typeof(Answer<StatusResult>))]
[JsonSerializable(typeof(Answer<SnapshotReport>))]
[JsonSerializable(typeof(Answer<IReadOnlyList<ListEntry>>))]
[JsonSerializable(typeof(Answer<VerifyResult>))]
[JsonSerializable(typeof(Answer<OffsiteVerifyResult>))]
[JsonSerializable(typeof(Answer<OffsiteListResult>))]
[JsonSerializable(typeof(Answer<PruneResult>))]
[JsonSerializable(typeof(Answer<PinResult>))]
[JsonSerializable(typeof(Answer<IReadOnlyList<PeerCheck>>))]
[JsonSerializable(typeof(Answer<CheckResult>))]
[JsonSerializable(typeof(Answer<RestorePlan>))]
[JsonSerializable(typeof(Answer<LocalRestoreResult>))]
[JsonSerializable(typeof(Answer<ClusterPlan>))]
[JsonSerializable(typeof(Answer<ClusterRestoreResult>))]
[JsonSerializable(typeof(Answer<PhaseResult>))]
[JsonSerializable(typeof(Answer<RecoveryResult>))]
[JsonSerializable(typeof(Answer<FetchResult>))]
[JsonSerializable(typeof(Answer<ImportResult>))]
internal sealed partial class ProtocolJsonContext : JsonSerializerContext;
