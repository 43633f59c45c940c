using System.Threading.Channels;
using EtcdBackupd.Etcd.Protocol;
using EtcdBackupd.FileSystem;
using Grpc.Core;

namespace EtcdBackupd.Snapshots;

/// <summary>
/// Receives <c>Maintenance.Snapshot</c> into a file. Receiving and writing run side by side through a
/// small bounded queue, so memory stays flat whatever the size of the database and a slow disk slows
/// etcd's sender instead of growing our heap.
/// </summary>
internal static class SnapshotStream
{
    /// <summary>32 KiB messages: about 1 MiB in flight between the receiver and the writer.</summary>
    private const int QueuedMessages = 32;

    /// <summary>
    /// A gen0 collection every 32 MiB received (<see cref="Memory.GarbagePacer"/>): Grpc.Net.Client and
    /// SocketsHttpHandler leave about 8 KiB of short-lived garbage per MiB, which otherwise grew RssAnon in a
    /// line with the database (13.7 to 27.6 MiB over 2 GiB on the Native AOT build; 18 MiB flat paced).
    /// Gen0 is enough here: nothing of a read outlives the next one. About 1 ms each, 64 per 2 GiB.
    /// </summary>
    private const long CollectEvery = 32L << 20;

    public readonly record struct Received(long SizeBytes, string Sha256);

    public static async Task<Received> ReceiveAsync(
        CallInvoker etcd, FileStream file, Action<long>? onReceived, CancellationToken cancellationToken)
    {
        var queue = Channel.CreateBounded<SnapshotChunk>(new BoundedChannelOptions(QueuedMessages)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        }, chunk => chunk.Return());
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var trailer = new EtcdTrailer();
        var writer = Task.Run(() => WriteAllAsync(queue.Reader, file, trailer, stop), CancellationToken.None);

        try
        {
            var method = SnapshotChunk.CreateMethod(new SnapshotChunk.Pool(QueuedMessages + 4));
            using var call = etcd.AsyncServerStreamingCall(method, null, new CallOptions(cancellationToken: stop.Token), new SnapshotRequest());
            long received = 0;
            var pacer = new Memory.GarbagePacer(CollectEvery, generation: 0);
            // Read to the end of the stream, not to remaining_bytes == 0: the trailer comes after that.
            // The call's options carry the cancellation; a token here would register anew per message.
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
                var chunk = call.ResponseStream.Current;
                if (chunk.Length == 0)
                {
                    chunk.Return();
                    continue;
                }

                received += chunk.Length;
                if (!queue.Writer.TryWrite(chunk))
                {
                    await queue.Writer.WriteAsync(chunk, stop.Token);
                }

                pacer.Moved(received);

                onReceived?.Invoke(received);
            }

            queue.Writer.Complete();
        }
        catch (Exception e)
        {
            queue.Writer.TryComplete(e);
            await stop.CancelAsync();
            // When the disk failed first, the receiver only saw the cancellation: report the disk.
            await Task.WhenAny(writer);
            if (writer.IsFaulted && !cancellationToken.IsCancellationRequested)
            {
                await writer;
            }

            throw;
        }

        var size = await writer;
        var (matches, sha256) = trailer.Complete();
        if (!matches || !EtcdTrailer.HasSnapshotSize(size))
        {
            throw new SnapshotException(SnapshotFailure.TrailerMismatch,
                $"the stream ended after {size} bytes without a valid SHA-256 trailer: the snapshot is incomplete or corrupt");
        }

        return new Received(size, sha256);
    }

    private static async Task<long> WriteAllAsync(
        ChannelReader<SnapshotChunk> queue, FileStream file, EtcdTrailer trailer, CancellationTokenSource stop)
    {
        long written = 0;
        var writeback = new Writeback(file.SafeFileHandle);
        try
        {
            while (await queue.WaitToReadAsync(stop.Token))
            {
                while (queue.TryRead(out var chunk))
                {
                    try
                    {
                        trailer.Append(chunk.Span);
                        file.Write(chunk.Span);
                        written += chunk.Length;
                    }
                    finally
                    {
                        chunk.Return();
                    }

                    writeback.Advance(written);
                }
            }

            file.Flush(flushToDisk: true);
            return written;
        }
        catch
        {
            await stop.CancelAsync();
            throw;
        }
    }
}
