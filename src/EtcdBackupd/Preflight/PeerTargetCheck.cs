using EtcdBackupd.FileSystem;
using EtcdBackupd.Peers;

namespace EtcdBackupd.Preflight;

/// <summary>
/// One entry of <c>Peers.Targets</c>: it answers, its host key is the pinned one, its directory takes a
/// file (a probe, removed at once) and has room for a snapshot. Nothing is retried: a check says how it is now.
/// </summary>
internal static class PeerTargetCheck
{
    public static async Task<CheckLine> RunAsync(PeerTarget target, PeersOptions peers, long? dbSizeBytes, ILogger logger, CancellationToken cancellationToken)
    {
        var line = new CheckLine(CheckNames.Peer, false, "") { Target = target.ToString() };
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(peers.ConnectTimeout * 3);
            await using var session = await PeerSession.ConnectAsync(target, peers, logger, deadline.Token);
            var directory = target.Directory;
            if (!await session.Sftp.ExistsAsync(directory, deadline.Token))
            {
                return line with { Detail = $"reachable, host key as pinned; {PeerErrors.DirectoryMissing(directory)}" };
            }

            var space = await PeerSpace.FreeAsync(session.Sftp, directory, deadline.Token);
            if (space is { ReadOnly: true })
            {
                return line with { Detail = $"reachable, host key as pinned; {PeerErrors.ReadOnly(directory)}" };
            }

            await ProbeAsync(session, directory, deadline.Token);
            var needed = (dbSizeBytes ?? 0) + FreeSpace.Headroom;
            return space switch
            {
                null => line with { Ok = true, Detail = $"reachable, host key as pinned, {directory} writable; the peer cannot say its free space" },
                { Free: var free } when free < (ulong)needed => line with
                {
                    Detail = $"reachable, host key as pinned, {directory} writable; {PeerErrors.TooLittleSpace(free, needed, directory)}",
                },
                { Free: var free } => line with
                {
                    Ok = true,
                    Detail = $"reachable, host key as pinned, {directory} writable, {ByteSize.Words((long)Math.Min(free, long.MaxValue))} free"
                        + (dbSizeBytes is null ? "" : $"; a copy needs {ByteSize.Words(needed)}"),
                },
            };
        }
        catch (HostKeyRefusedException e)
        {
            return line with { Detail = $"host key refused: {e.Message}" };
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return line with { Detail = PeerErrors.Describe(e, target.Directory) };
        }
    }

    /// <summary>Creates and removes a file named like no snapshot, as a copy would create its <c>.part</c>.</summary>
    private static async Task ProbeAsync(PeerSession session, string directory, CancellationToken cancellationToken)
    {
        var probe = $"{directory.TrimEnd('/')}/.etcd-backupd-check-{Guid.NewGuid():N}";
        await using (await session.Sftp.OpenAsync(probe, FileMode.CreateNew, FileAccess.Write, cancellationToken))
        {
        }

        await session.Sftp.DeleteFileAsync(probe, cancellationToken);
    }
}
