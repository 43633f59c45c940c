using System.Text.Json;
using EtcdBackupd.FileSystem;

namespace EtcdBackupd.State;

/// <summary>One remembered trailer check: the file's name and stamp when it was read, and the answer.</summary>
internal sealed record VerifiedFile(string Name, long Size, long ModifiedNs, long ChangedNs, ulong Inode, bool Good)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public FileStamp Stamp => new(Size, ModifiedNs, ChangedNs, Inode);
}

internal sealed record VerificationCacheFile(int Version, IReadOnlyList<VerifiedFile> Files);

/// <summary>
/// <c>verified.json</c> in <c>State.Directory</c>: trailer checks kept across restarts, so <c>list</c> does
/// not start over at <c>unchecked</c> and the daemon does not re-read gigabytes at every start. An answer
/// counts only for the same name, size, mtime, ctime and inode; anything else is read again.
/// </summary>
internal sealed class VerificationCache
{
    public const string FileName = "verified.json";

    private readonly Lock _lock = new();
    private readonly string? _path;
    private readonly Dictionary<string, VerifiedFile> _files;

    /// <param name="stateDirectory">Null keeps the answers in memory only (the one-shot commands, tests).</param>
    public VerificationCache(string? stateDirectory)
    {
        _path = stateDirectory is null ? null : Path.Combine(stateDirectory, FileName);
        _files = Load(_path).ToDictionary(f => f.Name);
    }

    public bool? Known(string name, FileStamp stamp)
    {
        lock (_lock)
        {
            return _files.TryGetValue(name, out var file) && file.Stamp == stamp ? file.Good : null;
        }
    }

    /// <summary>Records an answer and writes the file durably; names no longer in <paramref name="present"/> are forgotten.</summary>
    public void Remember(string name, FileStamp stamp, bool good, IReadOnlySet<string> present)
    {
        byte[] bytes;
        lock (_lock)
        {
            _files[name] = new VerifiedFile(name, stamp.Size, stamp.ModifiedNs, stamp.ChangedNs, stamp.Inode, good);
            foreach (var gone in _files.Keys.Where(n => !present.Contains(n)).ToList())
            {
                _files.Remove(gone);
            }

            bytes = JsonSerializer.SerializeToUtf8Bytes(new VerificationCacheFile(1, [.. _files.Values.OrderBy(f => f.Name, StringComparer.Ordinal)]),
                StateJsonContext.Default.VerificationCacheFile);
            if (_path is not null)
            {
                // Under the lock: two writers would race on the one .part name.
                Durable.WriteAllBytes(_path, bytes, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
    }

    /// <summary>An unreadable or foreign file is as good as none: every snapshot is simply read again.</summary>
    private static IReadOnlyList<VerifiedFile> Load(string? path)
    {
        try
        {
            return path is null || !File.Exists(path)
                ? []
                : JsonSerializer.Deserialize(File.ReadAllBytes(path), StateJsonContext.Default.VerificationCacheFile)?.Files ?? [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return [];
        }
    }
}
