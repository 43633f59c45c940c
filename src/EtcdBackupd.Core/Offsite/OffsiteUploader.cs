using EtcdBackupd.Configuration;
using EtcdBackupd.Retries;
using EtcdBackupd.Snapshots;
using EtcdBackupd.State;
using Microsoft.Extensions.Logging;

namespace EtcdBackupd.Offsite;

/// <summary>
/// Sends a snapshot to every off-site target, one target after the other so that memory stays at one
/// multipart sink's. Per target: the snapshot file is read once, through the encoder, into a multipart
/// upload; the stored bytes are read back and checked; then the manifest goes beside the object. A
/// failed target is retried with backoff up to <c>Offsite.Attempts</c> within <c>Offsite.TimeoutSeconds</c>,
/// never fails the snapshot, and never holds up another target for longer than that.
/// </summary>
internal sealed partial class OffsiteUploader(Live<OffsiteOptions> offsite, TimeProvider time, ILogger logger)
{
    /// <summary>Read at each use: the daemon's reload replaces it between snapshots.</summary>
    private OffsiteOptions options => offsite.Current;

    /// <summary>
    /// Wraps the multipart sink in the codec's writable stream: zstd, then age to <c>Offsite.AgeRecipients</c>,
    /// as <see cref="OffsiteOptions.Codec"/> says; the stream leaves the sink open when disposed.
    /// </summary>
    private Codec.EncodingStream Encode(Stream sink) => Codec.OffsiteCodec.Encode(sink, options.Codec);

    /// <summary>What the codec appends to the object's name (<c>.zst</c>, <c>.age</c>).</summary>
    private string Suffix => Codec.OffsiteCodec.Suffix(options.Codec);

    /// <summary>For progress: a target and the raw snapshot bytes read into its upload so far.</summary>
    public Action<OffsiteTarget, long>? OnUploaded { get; init; }

    /// <summary>Where every upload's results are kept for the health verdict, <c>status</c> and the metrics; none in tests that do not ask.</summary>
    public CopyLedger? Ledger { get; init; }

    public bool Enabled => options.Enabled;

    private const string Stopped = "not copied: the daemon or the command was stopping";

    public async Task<IReadOnlyList<OffsiteUploadResult>> UploadAsync(SnapshotResult snapshot, CancellationToken cancellationToken)
    {
        var results = new List<OffsiteUploadResult>();
        foreach (var target in options.Targets)
        {
            try
            {
                results.Add(await UploadOneAsync(target, snapshot, cancellationToken));
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                // A stop, however the upload under way ended: the snapshot is saved and verified, and the targets done before it
                // keep their results (the ledger, status, the metrics); this one and those after it are copies not made, which
                // the ledger does not record (a stop says nothing of a target), not a failed snapshot.
                foreach (var notCopied in options.Targets.Skip(results.Count))
                {
                    OffsiteLog.Failed(logger, snapshot.Path, notCopied.Name, Stopped);
                    results.Add(new OffsiteUploadResult(notCopied.Name, false, false, Stopped, 0, TimeSpan.Zero, notCopied.Key(Path.GetFileName(snapshot.Path) + Suffix)));
                }

                break;
            }
        }

        Record([.. results.Where(r => r.Error != Stopped)]);
        return results;
    }

    private void Record(IReadOnlyList<OffsiteUploadResult> results)
    {
        try
        {
            Ledger?.RecordOffsite([.. results.Select(r => (r.Target, r.Ok, r.Error))], time.GetUtcNow());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            StateLog.CopyLedgerFailed(logger, CopyLedger.FileName, e.Message);
        }
    }

    private async Task<OffsiteUploadResult> UploadOneAsync(OffsiteTarget target, SnapshotResult snapshot, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var key = target.Key(Path.GetFileName(snapshot.Path) + Suffix);
        var result = await Retrying.RunAsync(new RetryBudget(options.Attempts, options.Timeout, "Offsite.TimeoutSeconds"), time,
            new RetryErrors(e => OffsiteErrors.Describe(e, target), OffsiteErrors.IsFinal),
            token => SendAsync(target, snapshot, key, token),
            (attempt, error) => OffsiteLog.AttemptFailed(logger, snapshot.Path, target.Name, attempt, options.Attempts, error),
            cancellationToken);
        if (!result.Ok)
        {
            OffsiteLog.Failed(logger, snapshot.Path, target.Name, result.Error!);
            return new OffsiteUploadResult(target.Name, false, false, result.Error, result.Attempts, time.GetElapsedTime(started), key);
        }

        if (result.Value)
        {
            OffsiteLog.AlreadyThere(logger, target.Name, key);
        }
        else
        {
            var seconds = time.GetElapsedTime(started).TotalSeconds;
            OffsiteLog.Uploaded(logger, snapshot.Path, target.Name, target.Bucket, key, seconds);
        }

        return new OffsiteUploadResult(target.Name, true, result.Value, null, result.Attempts, time.GetElapsedTime(started), key);
    }
}
