using System.Net;
using System.Net.Http.Headers;

namespace EtcdBackupd.Snapshots;

/// <summary>
/// Receives <c>Maintenance.Snapshot</c> into a file, as one plain HTTP/2 request whose body is copied
/// straight into the file by <see cref="SnapshotWriter"/>. gRPC's own reader allocated some 600 bytes of
/// state machines and chunk objects per 32 KiB message; the collector let that garbage grow with the
/// database (105 MiB at 5 GB, issue 18). Here one copy loop runs for the whole stream and allocates
/// nothing per message. Memory stays flat: the HTTP/2 window (1 MiB, EtcdChannelFactory) bounds what is
/// buffered, and a slow disk slows etcd's sender instead of growing our heap.
/// </summary>
internal static class SnapshotStream
{
    private const string Path = "/etcdserverpb.Maintenance/Snapshot";

    /// <summary>An empty <c>SnapshotRequest</c> in its gRPC frame: not compressed, length 0.</summary>
    private static readonly byte[] EmptyRequest = new byte[5];

    /// <summary>The copy loop's buffer: what the HTTP/2 stream hands over at once, at most.</summary>
    private const int CopyBufferSize = 128 * 1024;

    public readonly record struct Received(long SizeBytes, string Sha256);

    public static async Task<Received> ReceiveAsync(
        HttpMessageInvoker etcd, Uri endpoint, FileStream file, Action<long>? onReceived, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(endpoint, Path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(EmptyRequest),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("TE", "trailers");

        using var response = await etcd.SendAsync(request, cancellationToken);
        GrpcStatus.ThrowUnlessStreaming(response);
        using var trailer = new EtcdTrailer();
        var writer = new SnapshotWriter(file, trailer, onReceived);
        await using (var body = await response.Content.ReadAsStreamAsync(cancellationToken))
        {
            // Read to the end of the stream, not to remaining_bytes == 0: the trailer comes after that.
            await body.CopyToAsync(writer, CopyBufferSize, cancellationToken);
        }

        GrpcStatus.ThrowUnlessOk(response);
        file.Flush(flushToDisk: true);
        var (matches, sha256) = trailer.Complete();
        if (!writer.AtMessageBoundary || !matches || !EtcdTrailer.HasSnapshotSize(writer.Written))
        {
            throw new SnapshotException(SnapshotFailure.TrailerMismatch,
                $"the stream ended after {writer.Written} bytes without a valid SHA-256 trailer: the snapshot is incomplete or corrupt");
        }

        return new Received(writer.Written, sha256);
    }
}
