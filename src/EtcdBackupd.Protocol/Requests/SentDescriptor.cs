using System.Text.Json.Serialization;
using EtcdBackupd.Snapshots;

namespace EtcdBackupd.Protocol.Requests;

/// <summary>
/// <c>"descriptor": {...}</c> on <c>verify</c>, <c>restore</c> and <c>import</c>: the snapshot is the open
/// file sent with this request's bytes over the socket (SCM_RIGHTS, exactly one), and <c>file</c> only
/// names it (the caller's path, for messages and the import's record). The CLI sends it for a path the
/// daemon may not see (<c>/root/...</c>, the caller's <c>/tmp</c>): it opened the file as the caller.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record SentDescriptor
{
    /// <summary>The manifest beside the file (<c>NAME.json</c>), as the caller read it; null when there is none.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SnapshotManifest? Manifest { get; init; }
}
