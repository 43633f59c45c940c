using Amazon.S3.Model;

namespace EtcdBackupd.Offsite;

internal sealed partial class MultipartSink
{
    /// <summary>
    /// Discards the upload and every part sent: no object appears under the key. Runs on its own short
    /// deadline, since it is called when the upload's own token was cancelled.
    /// </summary>
    public async Task AbortAsync()
    {
        // Parts still in flight would otherwise land after the abort and linger, billed, as orphans.
        foreach (var part in _inFlight)
        {
            await Task.WhenAny(part);
        }

        _inFlight.Clear();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest
        {
            BucketName = _bucket,
            Key = _key,
            UploadId = _uploadId,
        }, deadline.Token);
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _length;

    public override long Position
    {
        get => _length;
        set => throw new NotSupportedException();
    }

    public override void Flush()
    {
        // Parts are sent when full; the last one only by CompleteAsync.
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _sha256.Dispose();
            PartBuffers.Return(Interlocked.Exchange(ref _buffer, null!));
        }

        base.Dispose(disposing);
    }
}
