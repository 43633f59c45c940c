using System.Text.Json;
using EtcdBackupd.FileSystem;
using Microsoft.Extensions.Logging;

namespace EtcdBackupd.Lineage;

/// <summary>
/// The cluster IDs this cluster has had, kept in <c>State.Directory</c> on every master: each restore
/// gives the cluster a new ID, and a snapshot taken before it must still be known as this cluster's.
/// Recorded from every snapshot, every role probe and every restored member; read by the restore's check.
/// </summary>
internal sealed class ClusterLineage(string stateDirectory, TimeProvider time, ILogger logger)
{
    public const string FileName = "cluster-lineage.json";

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly Lock _lock = new();

    public string Path { get; } = System.IO.Path.Combine(stateDirectory, FileName);

    /// <summary>The IDs in the order first seen; empty when nothing was recorded yet.</summary>
    public IReadOnlyList<LineageEntry> Read()
    {
        lock (_lock)
        {
            return Load();
        }
    }

    /// <summary>The IDs alone, in their canonical form (<see cref="ClusterIds.Normalize"/>): what manifests are compared with.</summary>
    public IReadOnlyList<string> Known() => [.. Read().Select(e => ClusterIds.Normalize(e.ClusterId)!)];

    /// <summary>
    /// Adds <paramref name="clusterId"/> unless it is known, durably (fsynced before this returns), and
    /// returns the lineage. A write that fails is logged, never thrown: it must not fail a snapshot.
    /// </summary>
    public IReadOnlyList<LineageEntry> Record(string clusterId)
    {
        if (ClusterIds.Normalize(clusterId) is not { } id)
        {
            return Read();
        }

        lock (_lock)
        {
            var known = Load();
            if (known.Any(e => e.ClusterId == id))
            {
                return known;
            }

            List<LineageEntry> lineage = [.. known, new LineageEntry(id, time.GetUtcNow())];
            try
            {
                Durable.WriteAllBytes(Path, JsonSerializer.SerializeToUtf8Bytes(new LineageFile(lineage), LineageJsonContext.Default.LineageFile), OwnerOnly);
                LineageLog.Recorded(logger, id, Path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LineageLog.NotRecorded(logger, id, Path, e.Message);
            }

            return lineage;
        }
    }

    /// <summary>Missing means empty; a file that is not a lineage is set aside (never overwritten: it is history) and the lineage starts again.</summary>
    private List<LineageEntry> Load()
    {
        try
        {
            var file = JsonSerializer.Deserialize(RegularFile.ReadAllBytes(Path), LineageJsonContext.Default.LineageFile);
            return [.. file?.Clusters.Where(e => ClusterIds.Normalize(e.ClusterId) is not null) ?? []];
        }
        catch (FileNotFoundException)
        {
            return [];
        }
        catch (JsonException e)
        {
            SetAside(e.Message);
            return [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not a regular file, or not readable: left as it is; the writes will say what they meet.
            LineageLog.Unreadable(logger, Path, e.Message, Path);
            return [];
        }
    }

    private void SetAside(string reason)
    {
        var aside = $"{Path}.unreadable-{time.GetUtcNow():yyyyMMddTHHmmssZ}";
        try
        {
            File.Move(Path, aside, overwrite: true);
            LineageLog.Unreadable(logger, Path, reason, aside);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LineageLog.Unreadable(logger, Path, $"{reason}; it could not be moved aside either: {e.Message}", Path);
        }
    }
}
