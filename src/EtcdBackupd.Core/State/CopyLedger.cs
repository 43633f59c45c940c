using System.Text.Json;
using EtcdBackupd.FileSystem;
using EtcdBackupd.Peers;
using EtcdBackupd.Protocol.Results;
using EtcdBackupd.Snapshots;
using Microsoft.Extensions.Logging;

namespace EtcdBackupd.State;

/// <summary><paramref name="Owed"/> and <paramref name="Offsite"/>: absent in files written before 0.2.0.</summary>
internal sealed record CopyLedgerFile(int Version, IReadOnlyList<PeerRecord> Peers, IReadOnlyList<OwedSend>? Owed = null, IReadOnlyList<OffsiteRecord>? Offsite = null);

/// <summary>
/// <c>copies.json</c> in <c>State.Directory</c>: each peer's and each off-site target's last copy, last
/// success and failure count, written by every push and upload (the daemon's, and the one-shot
/// <c>etcd-backupd push</c> and <c>snapshot</c>) and
/// read by the daemon, so a later successful push clears a copy failure and a restart forgets nothing. It
/// also holds the sends each peer is owed (<see cref="OwedSend"/>), which the daemon retries until they succeed.
/// </summary>
/// <remarks>
/// A file that exists but is not the ledger (edited by hand, a version this daemon does not know) is never written
/// over: its owed sends would be forgotten. The first update keeps it aside, logged, and begins a new one.
/// A change the file refuses (a full or read-only <c>State.Directory</c>) is kept in this process and applied to
/// every read, then written with the next change that can be: read from the disk alone, a failed copy recorded
/// nowhere left the last success standing, and <c>status</c> and the metrics said all was well. A one-shot command
/// that records a newer result meanwhile is read beneath them until the next push: an alarm a push clears, never
/// a success that is not there.
/// </remarks>
internal sealed partial class CopyLedger(string stateDirectory, ILogger? logger = null)
{
    public const string FileName = "copies.json";

    /// <summary>The daemon and a one-shot command may write at once; each waits at most this long for the other.</summary>
    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The changes kept while the file refuses them, at most: a retry of an owed send is one, every
    /// <c>Peers.RetrySeconds</c>. Past it the oldest that can go, goes: a copy's or upload's result (the
    /// records are then as the later ones made them) or a retry's count or a settling (sent again, the
    /// copy is found there). A send newly owed never goes: it would never be sent.
    /// </summary>
    private const int MostUnwritten = 1000;

    private readonly Lock _gate = new();

    // One per push, upload or owed send the file refused, oldest first.
    private readonly List<(Func<CopyLedgerFile, CopyLedgerFile> Change, bool MayGo)> _unwritten = [];

    private string FilePath => Path.Combine(stateDirectory, FileName);

    public IReadOnlyList<PeerRecord> Read() => ReadFile().Peers;

    /// <summary>Each off-site target's uploads from this master.</summary>
    public IReadOnlyList<OffsiteRecord> ReadOffsite() => ReadFile().Offsite ?? [];

    /// <summary>
    /// The ledger with the changes it refused; empty when there is none or it cannot be read (the health verdict
    /// then says no copy is known).
    /// </summary>
    private CopyLedgerFile ReadFile()
    {
        // The file and the kept changes read together: an update writes them and forgets them under the same lock.
        lock (_gate)
        {
            CopyLedgerFile file;
            try
            {
                file = Parse() ?? Empty;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
            {
                file = Empty;
            }

            return _unwritten.Aggregate(file, (current, kept) => kept.Change(current));
        }
    }

    /// <summary>The ledger, null when there is none; throws when it cannot be read or is not the ledger.</summary>
    private CopyLedgerFile? Parse()
    {
        if (!File.Exists(FilePath))
        {
            return null;
        }

        return JsonSerializer.Deserialize(File.ReadAllBytes(FilePath), StateJsonContext.Default.CopyLedgerFile) is { Version: 1, Peers: not null } file
            ? file
            : throw new JsonException("it is not a version 1 ledger");
    }

    /// <summary>
    /// The ledger to change. One that cannot be read now (an I/O error) fails the update and stays as it is; one that is
    /// not the ledger is kept as <c>copies.json.unreadable-STAMP</c> (its last write; -2, -3... when that is taken) and a new one begins.
    /// </summary>
    private CopyLedgerFile ForUpdate()
    {
        try
        {
            return Parse() ?? Empty;
        }
        catch (JsonException e)
        {
            var kept = FileKinds.FreeName($"{FilePath}.unreadable-{File.GetLastWriteTimeUtc(FilePath):yyyyMMddTHHmmssZ}");
            File.Move(FilePath, kept, overwrite: false);
            if (logger is not null)
            {
                StateLog.CopyLedgerUnreadable(logger, FileName, e.Message, Path.GetFileName(kept));
            }

            return Empty;
        }
    }

    private static readonly CopyLedgerFile Empty = new(1, [], []);

    /// <summary>
    /// Adds one push's results for <paramref name="snapshot"/> (a file name), finished at <paramref name="at"/>.
    /// A success does not clear a failure to copy a newer snapshot (an operator's <c>push</c> of an old one,
    /// say): the peer still lacks the newer one, and only its copy, or a newer one's, clears it.
    /// </summary>
    public void Record(IReadOnlyList<PeerPushResult> results, string snapshot, DateTimeOffset at)
    {
        if (results.Count == 0)
        {
            return;
        }

        Update(file =>
        {
            var peers = file.Peers.ToDictionary(p => p.Peer);
            foreach (var result in results)
            {
                var key = result.Peer;
                var before = peers.GetValueOrDefault(key);
                peers[key] = result.Ok && before is { LastOk: false, LastSnapshot: { } failed } && SnapshotFileName.IsOlder(snapshot, failed)
                    ? before with { LastAttemptAt = at, LastSuccessAt = at }
                    : new PeerRecord
                    {
                        Peer = key,
                        LastAttemptAt = at,
                        LastOk = result.Ok,
                        LastError = result.Error,
                        LastSuccessAt = result.Ok ? at : before?.LastSuccessAt,
                        Failures = (before?.Failures ?? 0) + (result.Ok ? 0 : 1),
                        LastSnapshot = snapshot,
                    };
            }

            return file with { Peers = [.. peers.Values.OrderBy(p => p.Peer, StringComparer.Ordinal)] };
        });
    }

    /// <summary>Adds one snapshot's off-site uploads, each <c>(target, ok, error)</c>, finished at <paramref name="at"/>.</summary>
    public void RecordOffsite(IReadOnlyList<(string Target, bool Ok, string? Error)> results, DateTimeOffset at)
    {
        if (results.Count == 0)
        {
            return;
        }

        Update(file =>
        {
            var targets = (file.Offsite ?? []).ToDictionary(t => t.Target);
            foreach (var (target, ok, error) in results)
            {
                var before = targets.GetValueOrDefault(target);
                targets[target] = new OffsiteRecord
                {
                    Target = target,
                    LastAttemptAt = at,
                    LastOk = ok,
                    LastError = error,
                    LastSuccessAt = ok ? at : before?.LastSuccessAt,
                    Failures = (before?.Failures ?? 0) + (ok ? 0 : 1),
                };
            }

            return file with { Offsite = [.. targets.Values.OrderBy(t => t.Target, StringComparer.Ordinal)] };
        });
    }

    /// <summary>
    /// Reads, changes and writes the file under the lock, so the daemon and a one-shot command never lose each other's
    /// entries; the changes it refused before go first. One refused now is kept, and the exception thrown.
    /// </summary>
    private void Update(Func<CopyLedgerFile, CopyLedgerFile> change, bool mayGo = true)
    {
        using var held = LockKeeping(change, mayGo);
        lock (_gate)
        {
            byte[]? bytes = null;
            try
            {
                var file = _unwritten.Select(kept => kept.Change).Append(change).Aggregate(ForUpdate(), (current, next) => next(current));
                bytes = JsonSerializer.SerializeToUtf8Bytes(file with { Version = 1, Owed = file.Owed ?? [] }, StateJsonContext.Default.CopyLedgerFile);
                Durable.WriteAllBytes(FilePath, bytes, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                _unwritten.Clear();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                if (bytes is not null && Written(bytes))
                {
                    // Renamed in place, only the directory's sync failed: kept, they would be counted twice.
                    _unwritten.Clear();
                }
                else
                {
                    Keep(change, mayGo);
                }

                throw;
            }
        }
    }

    /// <summary>The file's lock; when it cannot be had, <paramref name="change"/> is kept and the exception thrown.</summary>
    private FileStream LockKeeping(Func<CopyLedgerFile, CopyLedgerFile> change, bool mayGo)
    {
        try
        {
            return Lock();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            lock (_gate)
            {
                Keep(change, mayGo);
            }

            throw;
        }
    }

    private void Keep(Func<CopyLedgerFile, CopyLedgerFile> change, bool mayGo)
    {
        _unwritten.Add((change, mayGo));
        if (_unwritten.Count > MostUnwritten && _unwritten.FindIndex(kept => kept.MayGo) is var oldest and >= 0)
        {
            _unwritten.RemoveAt(oldest);
        }
    }

    private bool Written(byte[] bytes)
    {
        try
        {
            return File.ReadAllBytes(FilePath).AsSpan().SequenceEqual(bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The metrics' <c>peer</c> label and the ledger's key.</summary>
    public static string PeerKey(string host, int port) => $"{host}:{port}";

    /// <summary>
    /// The ledger's, the verdict's and the metrics' name for <paramref name="target"/>: <c>host:port</c>, or
    /// <c>host:port/directory</c> when another of <paramref name="targets"/> has the same host and port (several
    /// daemons on one machine behind one sshd): one record each, so that one's success never hides another's failure.
    /// </summary>
    public static string PeerKey(Peers.PeerTarget target, IReadOnlyList<Peers.PeerTarget> targets) =>
        targets.Count(t => string.Equals(t.Host, target.Host, StringComparison.OrdinalIgnoreCase) && t.Port == target.Port) > 1
            ? PeerKey(target.Host, target.Port) + target.Directory
            : PeerKey(target.Host, target.Port);

    /// <summary>An exclusive lock (.NET takes <c>flock</c> for <see cref="FileShare.None"/>) on a file beside the ledger.</summary>
    private FileStream Lock()
    {
        var waiting = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(FilePath + ".lock", new FileStreamOptions
                {
                    Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None,
                    UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                });
            }
            catch (IOException) when (waiting.Elapsed < LockWait)
            {
                Thread.Sleep(50);
            }
        }
    }
}
