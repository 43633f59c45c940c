using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;

namespace EtcdBackupd.Offsite;

/// <summary>What went wrong with an off-site target, as an operator reads it, and whether a retry could help.</summary>
internal static class OffsiteErrors
{
    public static bool IsFinal(Exception e) => e switch
    {
        OffsiteException o => o.Final,
        AmazonS3Exception s => s.ErrorCode is "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "AccessDenied" or "NoSuchBucket"
            || s.StatusCode is HttpStatusCode.Forbidden,
        _ => false,
    };

    public static string Describe(Exception e, OffsiteTarget target) => e switch
    {
        OffsiteException o => o.Message,
        AmazonS3Exception { ErrorCode: "InvalidAccessKeyId" or "SignatureDoesNotMatch" } s =>
            $"{target.Endpoint.Authority} refused the keys of profile [{target.Profile}] in {target.CredentialsFile} ({s.ErrorCode})",
        AmazonS3Exception { ErrorCode: "AccessDenied" } or AmazonS3Exception { StatusCode: HttpStatusCode.Forbidden } =>
            $"the keys of profile [{target.Profile}] in {target.CredentialsFile} are refused by bucket {target.Bucket} (access denied: the keys lack the permission for this request)",
        AmazonS3Exception { ErrorCode: "NoSuchBucket" } => $"bucket {target.Bucket} does not exist at {target.Endpoint.Authority}",
        AmazonS3Exception s => $"{target.Endpoint.Authority} answered {(int)s.StatusCode} {s.ErrorCode}: {s.Message}",
        _ when Find<SocketException>(e) is { } socket => $"cannot reach {target.Endpoint.Authority}: {socket.Message}",
        HttpRequestException or IOException or AmazonServiceException =>
            $"the connection to {target.Endpoint.Authority} failed: {Innermost(e).Message}",
        OperationCanceledException => $"no answer from {target.Endpoint.Authority} in time",
        _ => Innermost(e).Message,
    };

    private static T? Find<T>(Exception? e) where T : Exception
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }

        return null;
    }

    private static Exception Innermost(Exception e) => e.InnerException is null ? e : Innermost(e.InnerException);
}
