namespace EtcdBackupd.Restore;

/// <summary>
/// Keeps a one-shot <c>etcd-backupd restore</c> and the daemon's restores from running at once on one
/// master: an exclusive flock(2) on <c>restore.lock</c> in <c>State.Directory</c> (/var/lib/etcd-backupd
/// as packaged), taken when a restore of this member begins and released when it ends. The kernel drops
/// it with its holder, so a killed process never leaves it held. Not beside the control socket: systemd
/// removes /run/etcd-backupd whenever the daemon stops or restarts, and a one-shot would then hold its lock
/// on a file no longer there while the restarted daemon took a new one and restored the same member.
/// </summary>
internal sealed class RestoreLock(string path)
{
    public const string FileName = "restore.lock";

    // FileShare.None is flock(LOCK_EX | LOCK_NB) on Linux; a file locked elsewhere fails it with EWOULDBLOCK,
    // which .NET raises as an IOException carrying that errno (measured: HResult 11, not Windows' 0x80070020).
    private const int WouldBlock = 11;
    private const int SharingViolation = unchecked((int)0x80070020);

    private readonly Lock _gate = new();
    private FileStream? _held;

    public string Path => path;

    public static RestoreLock In(string stateDirectory) => new(System.IO.Path.Combine(stateDirectory, FileName));

    /// <summary>
    /// Takes the lock for <paramref name="holder"/> (written into the file for an operator who looks);
    /// null when taken, else why not. A lock that cannot be made at all (a read-only or missing
    /// directory) does not stop a restore: <paramref name="unavailable"/> is told, and null returned.
    /// </summary>
    public string? TryTake(string holder, Action<string>? unavailable = null)
    {
        lock (_gate)
        {
            if (_held is not null)
            {
                return null;
            }

            try
            {
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                    | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
                var stream = new FileStream(path, new FileStreamOptions
                {
                    Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None,
                    UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                });
                stream.SetLength(0);
                stream.Write(System.Text.Encoding.UTF8.GetBytes($"{Environment.ProcessId} {holder}\n"));
                stream.Flush();
                _held = stream;
                return null;
            }
            catch (IOException e) when (e.HResult is WouldBlock or SharingViolation)
            {
                return $"another process is restoring this member ({path} is locked: the daemon, or a one-shot etcd-backupd restore); nothing was stopped";
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                unavailable?.Invoke($"the restore lock {path} cannot be made ({e.Message}); going ahead without it");
                return null;
            }
        }
    }

    /// <summary>
    /// Whether a restore holds the lock now, in this process or another: a shared lock on the file cannot be
    /// had (FileShare.Read is flock(LOCK_SH | LOCK_NB)). Taken and let go at once, so a restore starting
    /// meanwhile is refused only within that instant. False when there is no lock file, or it cannot be read.
    /// </summary>
    public bool IsHeld()
    {
        try
        {
            using var probe = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            return false;
        }
        catch (IOException e) when (e.HResult is WouldBlock or SharingViolation)
        {
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public void Release()
    {
        lock (_gate)
        {
            _held?.Dispose();
            _held = null;
        }
    }
}
