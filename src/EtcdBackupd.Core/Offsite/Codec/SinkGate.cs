namespace EtcdBackupd.Offsite.Codec;

/// <summary>
/// Passes the codec's output to the sink until the copy is abandoned, then drops it: an abandoned
/// copy's codec still has a frame end and buffered jobs to flush when it is released, and none of that
/// may reach a sink that is about to be aborted (or, worse, complete a part). Never disposes the sink.
/// </summary>
internal sealed class SinkGate(Stream sink) : WriteOnlyStream
{
    private bool _shut;

    public void Shut() => _shut = true;

    protected override ValueTask WriteCoreAsync(ReadOnlyMemory<byte> data, bool async, CancellationToken cancellationToken)
    {
        if (_shut)
            return ValueTask.CompletedTask;
        if (async)
            return sink.WriteAsync(data, cancellationToken);
        sink.Write(data.Span);
        return ValueTask.CompletedTask;
    }

    protected override ValueTask CompleteAsync(bool async) => ValueTask.CompletedTask;
}
