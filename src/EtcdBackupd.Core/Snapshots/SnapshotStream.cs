using EtcdBackupd.Etcd.Protocol;
using EtcdBackupd.FileSystem;
using Grpc.Core;

namespace EtcdBackupd.Snapshots;

/// <summary>
/// Receives <c>Maintenance.Snapshot</c> into a file. Each message is hashed and written on the thread
/// that received it: the HTTP/2 stream's own receive buffer, bounded by its 1 MiB window
/// (<see cref="Etcd.EtcdChannelFactory"/>), is the only queue, so memory stays flat whatever the size of
/// the database and a slow disk slows etcd's sender instead of growing our heap.
/// </summary>
/// <remarks>
/// A queue and a writer task of our own used to sit between the two. It bought no parallelism (the
/// connection's frames are read on another thread either way) and cost a thread wake-up per 32 KiB
/// message: measured on a 584 MiB database with the Native AOT build, writing in place took about a
/// tenth of the process's CPU time and 2 MiB of its peak RSS off (bench/snapshot/RESULTS.md).
/// </remarks>
internal static class SnapshotStream
{
    /// <summary>Chunks in the stream's pool: one being written, one being parsed, spares.</summary>
    private const int PooledChunks = 4;

    /// <summary>
    /// After a read that had to wait for etcd, the next one starts a millisecond later. A read that waits
    /// costs a thread wake-up and the async state machines of Grpc.Net.Client and SocketsHttpHandler, and
    /// on a fast stream almost every read waited for the next 32 KiB message. A millisecond lets several
    /// messages gather in the HTTP/2 stream's buffer, so the reads after it complete at once: 10 times fewer
    /// waits, less than half the allocation per MiB and a sixth less CPU (bench/snapshot/RESULTS.md). etcd
    /// keeps sending meanwhile: a millisecond fills the 1 MiB window only above 1 GB/s. The thread sleeps
    /// rather than awaiting a timer, which would cost a wake-up of its own; it is this stream's, and it
    /// blocks on the disk all the same.
    /// </summary>
    private static void LetMessagesGather() => Thread.Sleep(1);

    public readonly record struct Received(long SizeBytes, string Sha256);

    public static async Task<Received> ReceiveAsync(
        CallInvoker etcd, FileStream file, Action<long>? onReceived, TimeSpan stallTimeout, CancellationToken cancellationToken)
    {
        // Re-armed at each message (a timer's due time changed: nothing allocated), so only silence trips it.
        using var stalled = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stalled.CancelAfter(stallTimeout);
        try
        {
            return await ReceiveAsync(etcd, file, onReceived, () => stalled.CancelAfter(stallTimeout), stalled.Token);
        }
        catch (Exception e) when ((e is RpcException or OperationCanceledException) && stalled.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new SnapshotException(SnapshotFailure.StreamBroken,
                $"etcd sent nothing for {stallTimeout.TotalSeconds:F0} s, so the snapshot was abandoned (etcd stalled, or the link no longer carries data); nothing was kept", e);
        }
    }

    private static async Task<Received> ReceiveAsync(
        CallInvoker etcd, FileStream file, Action<long>? onReceived, Action heard, CancellationToken cancellationToken)
    {
        using var trailer = new EtcdTrailer();
        var method = SnapshotChunk.CreateMethod(new SnapshotChunk.Pool(PooledChunks));
        using var call = etcd.AsyncServerStreamingCall(method, null, new CallOptions(cancellationToken: cancellationToken), new SnapshotRequest());
        using var writer = new StreamingFileWriter(file.SafeFileHandle);
        // A full collection every 32 MiB received: Grpc.Net.Client and SocketsHttpHandler leave about 7 KiB of
        // short-lived garbage per MiB, which otherwise grew RssAnon in a line with the database (13.7 to 27.6
        // MiB over 2 GiB on the Native AOT build). Full, not gen0: the messages waiting in the HTTP/2 stream's
        // buffer are alive at any collection, and collected at gen0 or gen1 they piled up in the older
        // generations (RssAnon 14 to 19 MiB over 8 GiB at gen0, 14 to 25 MiB at gen1). On a heap of a few MiB
        // each costs a millisecond or two: 256 per 8 GiB.
        var pacer = Memory.GarbagePacer.ForSnapshotStream();
        // A collection before the first byte, so start-up's garbage is not kept under the stream (GarbagePacer).
        pacer.Moved(0);
        long written = 0;
        var waited = false;
        while (true)
        {
            if (waited)
            {
                LetMessagesGather();
            }

            // Read to the end of the stream, not to remaining_bytes == 0: the trailer comes after that.
            // The call's options carry the cancellation; a token here would register anew per message.
            var next = call.ResponseStream.MoveNext(CancellationToken.None);
            waited = !next.IsCompleted;
            if (!await next)
            {
                break;
            }

            heard();
            var chunk = call.ResponseStream.Current;
            if (chunk.Length == 0)
            {
                continue;
            }

            try
            {
                trailer.Append(chunk.Span);
                writer.Write(chunk.Span);
                written += chunk.Length;
            }
            finally
            {
                chunk.Return();
            }

            pacer.Moved(written);
            onReceived?.Invoke(written);
        }

        writer.Complete();
        file.Flush(flushToDisk: true);
        var (matches, sha256) = trailer.Complete();
        if (!matches || !EtcdTrailer.HasSnapshotSize(written))
        {
            throw new SnapshotException(SnapshotFailure.TrailerMismatch,
                $"the stream ended after {written} bytes without a valid SHA-256 trailer: the snapshot is incomplete or corrupt");
        }

        return new Received(written, sha256);
    }
}
