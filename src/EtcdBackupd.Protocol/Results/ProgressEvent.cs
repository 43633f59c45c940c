using System.Text.Json.Serialization;

namespace EtcdBackupd.Protocol.Results;

/// <summary>
/// An event line while a request runs: a snapshot's bytes (<c>stage</c> <c>snapshot</c>; <c>offsite</c>, with <c>target</c>, while
/// it is uploaded to an off-site target; or <c>fetch</c> while one is downloaded from a peer) or a restore's
/// steps (<c>stage</c> <c>restore</c>, with <c>member</c> in a cluster restore). Events may be dropped
/// for a client that reads slowly; the final answer never is.
/// </summary>
internal sealed record ProgressEvent
{
    [JsonPropertyOrder(-1)]
#pragma warning disable CA1822 // An instance property, so that the serialiser writes it on every event line.
    public string Event => "progress";
#pragma warning restore CA1822

    public required string Stage { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Bytes { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? TotalBytes { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Step { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Seconds { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Member { get; init; }

    /// <summary>With <c>stage</c> <c>offsite</c>: the off-site target's name.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Target { get; init; }

    public static ProgressEvent Snapshot(long bytes, long totalBytes) => new() { Stage = "snapshot", Bytes = bytes, TotalBytes = totalBytes };

    /// <summary>The snapshot's bytes read into the upload to <paramref name="target"/>, of its size.</summary>
    public static ProgressEvent Offsite(string target, long bytes, long totalBytes) =>
        new() { Stage = "offsite", Target = target, Bytes = bytes, TotalBytes = totalBytes };

    public static ProgressEvent Fetch(long bytes, long totalBytes) => new() { Stage = "fetch", Bytes = bytes, TotalBytes = totalBytes };

    public static ProgressEvent Restore(string step, double seconds, string? member) =>
        new() { Stage = "restore", Step = step, Seconds = Math.Round(seconds, 1), Member = member };
}
