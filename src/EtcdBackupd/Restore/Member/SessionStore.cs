using System.Text.Json;
using EtcdBackupd.FileSystem;

namespace EtcdBackupd.Restore;

/// <summary>
/// The restore sessions of this member in <c>State.Directory/restore-sessions</c>, one file each, written
/// durably (fsync, rename, fsync of the directory) before the step they describe. Closed sessions stay
/// for <c>state</c> and <c>restore --recover</c> to read; the oldest beyond <see cref="KeptClosed"/> go.
/// </summary>
/// <remarks>
/// A closing record the directory refuses (full, likely after a restore wrote a second copy of etcd's data,
/// or read-only) is kept in this process, as it was at the save, and written at every later save or read.
/// Reads answer from it meanwhile: a session rolled back or finished whose closing could not be written
/// must not read as open, or a recovery would roll it back a second time and no new restore could begin.
/// An open record is not kept: the session holding it is the live copy, and one abandoned before its
/// first record was written (a check that could not save) must leave no session behind.
/// </remarks>
internal sealed class SessionStore(string stateDirectory, ILogger logger)
{
    public const int KeptClosed = 20;

    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, byte[]> _unwritten = [];

    private string Directory => Path.Combine(stateDirectory, "restore-sessions");

    /// <summary>Writes <paramref name="record"/>; when it cannot be, keeps a closing for the next chance and still throws: write-ahead callers must not go on.</summary>
    public void Save(SessionRecord record)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(record, SessionJsonContext.Default.SessionRecord);
        lock (_gate)
        {
            var known = _unwritten.Remove(record.Id);
            WriteUnwritten();
            try
            {
                Write(record.Id, bytes);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                if (record.Outcome != SessionOutcome.Open)
                {
                    _unwritten[record.Id] = bytes;
                    if (!known)
                    {
                        var path = PathOf(record.Id);
                        RestoreLog.SessionUnwritten(logger, record.Id, path, e.Message);
                    }
                }

                throw;
            }

            if (record.Outcome != SessionOutcome.Open)
            {
                ForgetOldest();
            }
        }
    }

    /// <summary>
    /// The record of session <paramref name="id"/>; null when this member has none. One that is here but
    /// cannot be read throws <see cref="SessionUnreadableException"/>: read as none, a recovery would
    /// take this member for one that never opened the session, roll the others back and leave it out.
    /// </summary>
    public SessionRecord? Find(string id)
    {
        lock (_gate)
        {
            WriteUnwritten();
            if (_unwritten.TryGetValue(id, out var kept))
            {
                return Parse(kept);
            }

            var path = PathOf(id);
            if (!File.Exists(path))
            {
                return null;
            }

            // Gone between the two looks (the oldest closed records are forgotten): none, as if looked at a moment later.
            return Read(path, out var problem) ?? (!File.Exists(path) ? null : throw new SessionUnreadableException(
                $"this member's record of restore session '{id}', {path}, cannot be read ({problem}); nothing is decided from it. "
                + "Its journal names each restore step it took and where its old data was moved: put this member back on its old data, "
                + "etcd and the API servers running, then move the record aside; a recovery then rolls the other members back to match"));
        }
    }

    /// <summary>Every readable record; one that cannot be read is named in the journal and left in place for an operator.</summary>
    public IReadOnlyList<SessionRecord> All()
    {
        lock (_gate)
        {
            WriteUnwritten();
            return OnDisk().Where(r => !_unwritten.ContainsKey(r.Id)).Concat(_unwritten.Values.Select(Parse)).OrderBy(r => r.OpenedAt).ToList();
        }
    }

    private void Write(string id, byte[] bytes)
    {
        System.IO.Directory.CreateDirectory(Directory, Private | UnixFileMode.UserExecute);
        Durable.WriteAllBytes(PathOf(id), bytes, Private);
    }

    private static SessionRecord Parse(byte[] bytes) => JsonSerializer.Deserialize(bytes, SessionJsonContext.Default.SessionRecord)!;

    /// <summary>The closings kept since the directory refused them, each written now if it can be.</summary>
    private void WriteUnwritten()
    {
        foreach (var (id, bytes) in _unwritten.ToList())
        {
            var path = PathOf(id);
            try
            {
                Write(id, bytes);
                _unwritten.Remove(id);
                RestoreLog.SessionWrittenAgain(logger, id, path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Still refused: kept, and tried again at the next save or read.
            }
        }
    }

    private List<SessionRecord> OnDisk() => System.IO.Directory.Exists(Directory)
        ? [.. System.IO.Directory.GetFiles(Directory, "*.json").Select(path => Read(path, out _)).OfType<SessionRecord>()]
        : [];

    private SessionRecord? Read(string path, out string? problem)
    {
        try
        {
            var record = JsonSerializer.Deserialize(File.ReadAllBytes(path), SessionJsonContext.Default.SessionRecord);
            if (record is { Format: SessionRecord.CurrentFormat } && Path.GetFileNameWithoutExtension(path) == record.Id)
            {
                problem = null;
                return record;
            }

            problem = $"format {record?.Format} or session ID does not match its file name";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            problem = e.Message;
        }

        RestoreLog.SessionUnreadable(logger, path, problem);
        return null;
    }

    /// <summary>The oldest closed records beyond <see cref="KeptClosed"/>; one that cannot be deleted now goes at a later closing.</summary>
    private void ForgetOldest()
    {
        try
        {
            foreach (var old in OnDisk().Where(r => r.Outcome != SessionOutcome.Open).OrderBy(r => r.OpenedAt).SkipLast(KeptClosed))
            {
                File.Delete(PathOf(old.Id));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The record itself is written; only the tidying waits.
        }
    }

    private string PathOf(string id) => Path.Combine(Directory, id + ".json");
}
