using System.Text.Json;
using EtcdBackupd.FileSystem;
using EtcdBackupd.Peers;
using EtcdBackupd.Protocol.Results;

namespace EtcdBackupd.State;

internal sealed record CopyLedgerFile(int Version, IReadOnlyList<PeerRecord> Peers);

/// <summary>
/// <c>copies.json</c> in <c>State.Directory</c>: each peer's last copy, last success and failure count,
/// written by every push (the daemon's, and the one-shot <c>etcd-backupd push</c> and <c>snapshot</c>) and
/// read by the daemon, so a later successful push clears a copy failure and a restart forgets nothing.
/// </summary>
internal sealed class CopyLedger(string stateDirectory)
{
    public const string FileName = "copies.json";

    /// <summary>The daemon and a one-shot command may write at once; each waits at most this long for the other.</summary>
    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(5);

    private string FilePath => Path.Combine(stateDirectory, FileName);

    public IReadOnlyList<PeerRecord> Read()
    {
        try
        {
            return File.Exists(FilePath)
                ? JsonSerializer.Deserialize(File.ReadAllBytes(FilePath), StateJsonContext.Default.CopyLedgerFile)?.Peers ?? []
                : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return [];
        }
    }

    /// <summary>Adds one push's results, finished at <paramref name="at"/>.</summary>
    public void Record(IReadOnlyList<PeerPushResult> results, DateTimeOffset at)
    {
        if (results.Count == 0)
        {
            return;
        }

        using var held = Lock();
        var peers = Read().ToDictionary(p => p.Peer);
        foreach (var result in results)
        {
            var key = PeerKey(result.Host, result.Port);
            var before = peers.GetValueOrDefault(key);
            peers[key] = new PeerRecord
            {
                Peer = key,
                LastAttemptAt = at,
                LastOk = result.Ok,
                LastError = result.Error,
                LastSuccessAt = result.Ok ? at : before?.LastSuccessAt,
                Failures = (before?.Failures ?? 0) + (result.Ok ? 0 : 1),
            };
        }

        var file = new CopyLedgerFile(1, [.. peers.Values.OrderBy(p => p.Peer, StringComparer.Ordinal)]);
        Durable.WriteAllBytes(FilePath, JsonSerializer.SerializeToUtf8Bytes(file, StateJsonContext.Default.CopyLedgerFile),
            UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    /// <summary>The metrics' <c>peer</c> label and the ledger's key.</summary>
    public static string PeerKey(string host, int port) => $"{host}:{port}";

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
