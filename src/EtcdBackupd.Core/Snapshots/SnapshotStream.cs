using System.Security.Cryptography;
using System.Threading.Channels;
using EtcdBackupd.Etcd.Protocol;

namespace EtcdBackupd.Snapshots;

/// <summary>
/// Receives <c>Maintenance.Snapshot</c> into a file. Receiving and writing run side by side through a
/// small bounded queue, so memory stays flat whatever the size of the database and a slow disk slows
/// etcd's sender instead of growing our heap.
/// </summary>
internal static class SnapshotStream
{
    /// <summary>32 KiB messages: about 2 MiB in flight between the receiver and the writer.</summary>
    private const int QueuedMessages = 64;

    public readonly record struct Received(long SizeBytes, string Sha256);

    public static async Task<Received> ReceiveAsync(
        Maintenance.MaintenanceClient client, FileStream file, Action<long>? onReceived, CancellationToken cancellationToken)
    {
        var queue = Channel.CreateBounded<ReadOnlyMemory<byte>>(new BoundedChannelOptions(QueuedMessages)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var trailer = new EtcdTrailer();
        using var fileHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var writer = Task.Run(() => WriteAllAsync(queue.Reader, file, trailer, fileHash, stop), CancellationToken.None);

        try
        {
            using var call = client.Snapshot(new SnapshotRequest(), cancellationToken: stop.Token);
            long received = 0;
            // Read to the end of the stream, not to remaining_bytes == 0: the trailer comes after that.
            while (await call.ResponseStream.MoveNext(stop.Token))
            {
                var blob = call.ResponseStream.Current.Blob;
                if (blob.Length == 0)
                {
                    continue;
                }

                received += blob.Length;
                await queue.Writer.WriteAsync(blob.Memory, stop.Token);
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
        if (!trailer.Matches() || !EtcdTrailer.HasSnapshotSize(size))
        {
            throw new SnapshotException(SnapshotFailure.TrailerMismatch,
                $"the stream ended after {size} bytes without a valid SHA-256 trailer: the snapshot is incomplete or corrupt");
        }

        return new Received(size, Convert.ToHexStringLower(fileHash.GetHashAndReset()));
    }

    private static async Task<long> WriteAllAsync(
        ChannelReader<ReadOnlyMemory<byte>> queue, FileStream file, EtcdTrailer trailer, IncrementalHash fileHash,
        CancellationTokenSource stop)
    {
        long written = 0;
        try
        {
            await foreach (var chunk in queue.ReadAllAsync(stop.Token))
            {
                var span = chunk.Span;
                trailer.Append(span);
                fileHash.AppendData(span);
                file.Write(span);
                written += span.Length;
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
