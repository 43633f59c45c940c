using Amazon.S3;
using Amazon.S3.Model;
using EtcdBackupd.Offsite;

namespace EtcdBackupd.Preflight;

/// <summary>
/// One entry of <c>Offsite.Targets</c>: its keys are read and taken, its bucket lists under the prefix and,
/// where the daemon prunes (<c>Offsite.Retention: daemon</c>), its unfinished uploads can be listed for the
/// sweep. Nothing is written: a probe object could not be removed from a bucket that forbids deletes (object
/// lock), so the first upload is the write's test. Nothing is retried: a check says how it is now.
/// </summary>
internal static class OffsiteTargetCheck
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    public static async Task<CheckLine> RunAsync(OffsiteTarget target, OffsiteOptions offsite, CancellationToken cancellationToken)
    {
        var line = new CheckLine(CheckNames.Offsite, false, "") { Target = target.ToString() };
        var reached = $"bucket {target.Bucket} lists under {target.Prefix}";
        if (KeyProblem(offsite) is { } problem)
        {
            return line with { Detail = problem };
        }

        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(Deadline);
            using var client = BucketClient.Create(target, Deadline);
            await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = target.Bucket, Prefix = target.Prefix, Delimiter = "/", MaxKeys = 1 }, deadline.Token);
            if (offsite.Retention == OffsiteRetention.Bucket)
            {
                return line with { Ok = true, Detail = $"{reached}; the bucket prunes (Offsite.Retention: bucket), so no delete is ever sent{KeyNote(offsite)}" };
            }

            try
            {
                await client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = target.Bucket, Prefix = target.Prefix, MaxUploads = 1 }, deadline.Token);
            }
            catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.Forbidden)
            {
                return line with
                {
                    Detail = $"{reached}; its unfinished uploads cannot be listed (the keys lack s3:ListBucketMultipartUploads), so parts a killed upload leaves are never cleared",
                };
            }

            return line with { Ok = true, Detail = $"{reached} and its unfinished uploads can be listed{KeyNote(offsite)}" };
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return line with { Detail = OffsiteErrors.Describe(e, target) };
        }
    }

    /// <summary>
    /// Copies encrypted to keys none of which the configured identity holds could never be fetched back with it:
    /// said before the first upload, not at the disaster. No identity here at all may be deliberate (a master that
    /// cannot decrypt), so that is a note, not a failure.
    /// </summary>
    private static string? KeyProblem(OffsiteOptions offsite)
    {
        if (offsite.AgeRecipients.Count == 0 || offsite.AgeIdentityFile is not { } file)
        {
            return null;
        }

        try
        {
            var holds = Offsite.Age.AgeIdentityFile.Read(file).Select(i => i.Recipient.PublicKey);
            return holds.Intersect(offsite.AgeRecipients, StringComparer.OrdinalIgnoreCase).Any()
                ? null
                : $"none of the identities in Offsite.AgeIdentityFile {file} is one of Offsite.AgeRecipients: copies uploaded from here could not be decrypted with it";
        }
        catch (Offsite.Codec.OffsiteCodecException e)
        {
            return $"Offsite.AgeIdentityFile: {e.Message}";
        }
    }

    private static string KeyNote(OffsiteOptions offsite) => offsite.AgeRecipients.Count == 0 ? ""
        : offsite.AgeIdentityFile is null
            ? $"; copies are encrypted to {offsite.AgeRecipients.Count} recipient(s) and no Offsite.AgeIdentityFile is set here: fetching one back needs it"
            : "; Offsite.AgeIdentityFile holds a key the copies are encrypted to";
}
