using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;

namespace EtcdBackupd.Offsite;

/// <summary>
/// A write-only stream into one S3 multipart upload. Bytes fill a part buffer; a full part is sent while
/// the next one fills, at most <see cref="Concurrency"/> at once, so memory stays at
/// (<see cref="Concurrency"/> + 1) x <see cref="PartSize"/> = 15 MiB whatever the object's size.
/// Each part carries its SHA-256 (a store that honours <c>x-amz-checksum-sha256</c> checks it); the
/// whole object's SHA-256 and length are counted as it goes, for the read-back check. Nothing appears
/// under the key until <see cref="CompleteAsync"/>; <see cref="AbortAsync"/> discards the parts.
/// </summary>
internal sealed partial class MultipartSink : Stream
{
    /// <summary>S3's smallest part but the last: the least memory, and 10,000 parts still hold 48 GiB.</summary>
    public const int PartSize = 5 * 1024 * 1024;

    /// <summary>Two parts in flight keep a link busy while the third fills; more would only cost memory.</summary>
    public const int Concurrency = 2;

    private const int MaxParts = 10_000;

    private readonly IAmazonS3 _client;
    private readonly string _bucket;
    private readonly string _key;
    private readonly string _uploadId;
    private readonly CancellationToken _cancellationToken;
    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly List<PartETag> _parts = [];
    private readonly Queue<Task<PartETag>> _inFlight = new();
    private byte[] _buffer;
    private int _filled;
    private long _length;

    private MultipartSink(IAmazonS3 client, string bucket, string key, string uploadId, CancellationToken cancellationToken)
    {
        _client = client;
        _bucket = bucket;
        _key = key;
        _uploadId = uploadId;
        _cancellationToken = cancellationToken;
        _buffer = PartBuffers.Rent();
    }

    public string UploadId => _uploadId;

    public static async Task<MultipartSink> StartAsync(IAmazonS3 client, string bucket, string key, CancellationToken cancellationToken)
    {
        var started = await client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest
        {
            BucketName = bucket,
            Key = key,
            ChecksumAlgorithm = ChecksumAlgorithm.SHA256,
        }, cancellationToken);
        return new MultipartSink(client, bucket, key, started.UploadId, cancellationToken);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (buffer.Length > 0)
        {
            var n = Math.Min(buffer.Length, PartSize - _filled);
            buffer.Span[..n].CopyTo(_buffer.AsSpan(_filled));
            _sha256.AppendData(buffer.Span[..n]);
            _filled += n;
            _length += n;
            buffer = buffer[n..];
            if (_filled == PartSize)
            {
                await SendPartAsync();
            }
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // An encoder that writes synchronously (a final frame on Dispose) still lands here.
    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count), _cancellationToken).AsTask().GetAwaiter().GetResult();

    /// <summary>
    /// The request that puts the object in place was sent: if it failed, the store may have acted on it all the same (the
    /// answer lost with the link, the deadline or a stop), and a whole object may be under the key.
    /// </summary>
    public bool Completing { get; private set; }

    /// <summary>Sends the last part, waits for all, and puts the object in place; its size and SHA-256.</summary>
    public async Task<(long Length, string Sha256)> CompleteAsync()
    {
        if (_filled > 0 || (_parts.Count == 0 && _inFlight.Count == 0))
        {
            await SendPartAsync();
        }

        while (_inFlight.Count > 0)
        {
            _parts.Add(await _inFlight.Dequeue());
        }

        Completing = true;
        await _client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = _bucket,
            Key = _key,
            UploadId = _uploadId,
            PartETags = _parts,
        }, _cancellationToken);
        return (_length, Convert.ToHexStringLower(_sha256.GetHashAndReset()));
    }

    private async Task SendPartAsync()
    {
        if (_inFlight.Count == Concurrency)
        {
            _parts.Add(await _inFlight.Dequeue());
        }

        var number = _parts.Count + _inFlight.Count + 1;
        if (number > MaxParts)
        {
            throw new OffsiteException($"the object would need more than {MaxParts} parts of {PartSize} bytes") { Final = true };
        }

        var buffer = _buffer;
        var length = _filled;
        _buffer = PartBuffers.Rent();
        _filled = 0;
        _inFlight.Enqueue(UploadPartAsync(number, buffer, length));
    }

    private async Task<PartETag> UploadPartAsync(int number, byte[] buffer, int length)
    {
        try
        {
            var checksum = Convert.ToBase64String(SHA256.HashData(buffer.AsSpan(0, length)));
            using var content = new MemoryStream(buffer, 0, length, writable: false);
            var sent = await _client.UploadPartAsync(new UploadPartRequest
            {
                BucketName = _bucket,
                Key = _key,
                UploadId = _uploadId,
                PartNumber = number,
                InputStream = content,
                PartSize = length,
                ChecksumSHA256 = checksum,
            }, _cancellationToken);
            return new PartETag { PartNumber = number, ETag = sent.ETag, ChecksumSHA256 = checksum };
        }
        finally
        {
            PartBuffers.Return(buffer);
        }
    }
}
