using System.Diagnostics;
using System.Runtime.InteropServices;

namespace EtcdBackupd.FileSystem;

/// <summary>
/// An exclusive <c>flock</c> on a directory itself, across processes: no lock file appears among what the
/// directory holds (tests, operators and the peers' listings see only the snapshots). Held for the
/// moment a snapshot gets its name (the check that the name is free, the manifest, the rename), so a
/// fetch and an import of the same snapshot, the daemon's or a one-shot command's, never write one's
/// manifest beside the other's file.
/// </summary>
internal sealed class DirectoryLock : IDisposable
{
    /// <summary>
    /// A placement takes milliseconds, two fsyncs among them, which a busy disk's journal can stretch to seconds: a wait this
    /// long means a writer is stuck, and the caller fails instead (a fetch after its download: so the bound is generous).
    /// </summary>
    public static readonly TimeSpan PlacementWait = TimeSpan.FromSeconds(60);

    private const int WouldBlock = 11;

    private readonly int _fd;

    private DirectoryLock(int fd) => _fd = fd;

    public static DirectoryLock Hold(string directory) => Hold(directory, PlacementWait);

    public static DirectoryLock Hold(string directory, TimeSpan wait)
    {
        var fd = Libc.Open(directory, Libc.ORdOnly | Libc.ODirectory | Libc.OCloExec);
        if (fd < 0)
        {
            throw new IOException($"{directory} cannot be opened to hold it while a snapshot is placed: {Marshal.GetLastPInvokeErrorMessage()}");
        }

        var waiting = Stopwatch.StartNew();
        while (Libc.Flock(fd, Libc.LockEx | Libc.LockNb) != 0)
        {
            if (Marshal.GetLastPInvokeError() != WouldBlock)
            {
                // A file system without flock (ENOLCK from an NFS mount without its lock service): placed without the lock, as
                // before it existed. The race it closes takes two writers of one name within milliseconds; a snapshot not
                // taken or fetched at all because of it would be worse.
                Libc.Close(fd);
                return new DirectoryLock(-1);
            }

            if (waiting.Elapsed >= wait)
            {
                Libc.Close(fd);
                throw new IOException($"another writer has held {directory} for more than {wait.TotalSeconds:F0} s while placing a snapshot; nothing was placed");
            }

            Thread.Sleep(20);
        }

        return new DirectoryLock(fd);
    }

    public void Dispose()
    {
        if (_fd >= 0)
        {
            Libc.Close(_fd);
        }
    }
}
