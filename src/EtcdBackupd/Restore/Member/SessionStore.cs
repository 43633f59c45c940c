using System.Text.Json;
using EtcdBackupd.FileSystem;

namespace EtcdBackupd.Restore;

/// <summary>
/// The restore sessions of this member in <c>State.Directory/restore-sessions</c>, one file each, written
/// durably (fsync, rename, fsync of the directory) before the step they describe. Closed sessions stay
/// for <c>state</c> and <c>restore --recover</c> to read; the oldest beyond <see cref="KeptClosed"/> go.
/// </summary>
internal sealed class SessionStore(string stateDirectory, ILogger logger)
{
    public const int KeptClosed = 20;

    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private string Directory => Path.Combine(stateDirectory, "restore-sessions");

    public void Save(SessionRecord record)
    {
        System.IO.Directory.CreateDirectory(Directory, Private | UnixFileMode.UserExecute);
        Durable.WriteAllBytes(PathOf(record.Id), JsonSerializer.SerializeToUtf8Bytes(record, SessionJsonContext.Default.SessionRecord), Private);
        if (record.Outcome != SessionOutcome.Open)
        {
            ForgetOldest();
        }
    }

    public SessionRecord? Find(string id) => File.Exists(PathOf(id)) ? Read(PathOf(id)) : null;

    /// <summary>Every readable record; one that cannot be read is named in the journal and left in place for an operator.</summary>
    public IReadOnlyList<SessionRecord> All()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return [];
        }

        return [.. System.IO.Directory.GetFiles(Directory, "*.json").Select(Read).OfType<SessionRecord>().OrderBy(r => r.OpenedAt)];
    }

    private SessionRecord? Read(string path)
    {
        try
        {
            var record = JsonSerializer.Deserialize(File.ReadAllBytes(path), SessionJsonContext.Default.SessionRecord);
            if (record is { Format: SessionRecord.CurrentFormat } && Path.GetFileNameWithoutExtension(path) == record.Id)
            {
                return record;
            }

            RestoreLog.SessionUnreadable(logger, path, $"format {record?.Format} or session ID does not match its file name");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            RestoreLog.SessionUnreadable(logger, path, e.Message);
        }

        return null;
    }

    private void ForgetOldest()
    {
        foreach (var old in All().Where(r => r.Outcome != SessionOutcome.Open).SkipLast(KeptClosed))
        {
            File.Delete(PathOf(old.Id));
        }
    }

    private string PathOf(string id) => Path.Combine(Directory, id + ".json");
}
