using System.Net.Sockets;
using System.Security.Authentication;
using System.Text.RegularExpressions;
using Grpc.Core;

namespace EtcdBackupd.Etcd;

/// <summary>
/// Turns gRPC failures into sentences an operator can act on: what failed and which setting to look at,
/// never a .NET type name (the exception itself goes to the journal's EXCEPTION field where it is logged).
/// The endpoint (host:port) is put before the sentence by the caller.
/// </summary>
internal static partial class EtcdErrors
{
    public static string Describe(RpcException e, EtcdOptions options)
    {
        for (Exception? inner = e.Status.DebugException; inner is not null; inner = inner.InnerException)
        {
            if (Known(inner, e.Status.StatusCode, options) is { } sentence)
            {
                return sentence;
            }
        }

        var detail = Plain(e.Status.Detail);
        return e.Status.StatusCode switch
        {
            StatusCode.DeadlineExceeded => $"no answer within Etcd.DialTimeoutSeconds ({options.DialTimeout.TotalSeconds:0} s)",
            StatusCode.Unavailable when detail?.Contains("no leader", StringComparison.Ordinal) == true =>
                "etcd has no leader: too few members are up for a quorum",
            // etcd 3.4 answers a linearizable read it cannot confirm (no quorum) with Unknown "context deadline exceeded".
            StatusCode.Unavailable or StatusCode.Unknown when detail?.Contains("request timed out", StringComparison.Ordinal) == true
                || detail?.Contains("context deadline exceeded", StringComparison.Ordinal) == true =>
                "etcd did not commit in time: the cluster may have lost its quorum",
            // etcd 3.5.30 cancels a linearizable read it cannot confirm (no quorum) instead of answering it.
            StatusCode.Cancelled => "etcd cancelled the request: the cluster may have lost its quorum, or the member is stopping",
            StatusCode.Unavailable => "etcd is unavailable" + (detail is null ? "" : $": {detail}"),
            StatusCode.PermissionDenied or StatusCode.Unauthenticated => "etcd refused the request" + (detail is null ? "" : $": {detail}"),
            _ => $"etcd answered {e.Status.StatusCode}" + (detail is null ? "" : $": {detail}"),
        };
    }

    private static string? Known(Exception inner, StatusCode code, EtcdOptions options) => inner switch
    {
        AuthenticationException auth => Tls(auth.Message, options),
        SocketException socket => socket.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => "connection refused: is etcd running and listening there?",
            SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => "the host name does not resolve (DNS): check Etcd.Endpoints",
            SocketError.TimedOut => "no answer: the connection timed out (a firewall, or the host is down)",
            SocketError.NetworkUnreachable or SocketError.HostUnreachable => "the host cannot be reached from here (no route)",
            SocketError.ConnectionReset => "etcd closed the connection",
            _ => $"cannot connect: {socket.Message}",
        },
        IOException or ObjectDisposedException when code == StatusCode.Unavailable && options.CertFile is not null =>
            $"etcd closed the connection during TLS set-up: it may have refused the client certificate in Etcd.CertFile ('{options.CertFile}'): "
            + "expired, or not signed by a CA etcd trusts",
        IOException or ObjectDisposedException when code == StatusCode.Unavailable && options.CaFile is not null =>
            "etcd closed the connection during TLS set-up: it may require a client certificate (set Etcd.CertFile and Etcd.KeyFile)",
        _ => null,
    };

    private static string Tls(string message, EtcdOptions options)
    {
        if (message.Contains("NotTimeValid", StringComparison.Ordinal))
        {
            return "TLS: etcd's server certificate has expired (or is not valid yet)";
        }

        if (message.Contains("RemoteCertificateNameMismatch", StringComparison.Ordinal))
        {
            return "TLS: etcd's server certificate does not name the host of the endpoint";
        }

        if (message.Contains("RemoteCertificateValidationCallback", StringComparison.Ordinal) || message.Contains("UntrustedRoot", StringComparison.Ordinal)
            || message.Contains("PartialChain", StringComparison.Ordinal) || message.Contains("RemoteCertificateChainErrors", StringComparison.Ordinal))
        {
            return $"TLS: etcd's server certificate is not signed by the CA in Etcd.CaFile ('{options.CaFile}') or does not name this host";
        }

        if (Alert().Match(message) is { Success: true } alert)
        {
            return $"TLS: etcd refused the handshake ({alert.Groups[1].Value}): "
                + (options.CertFile is null ? "it may require a client certificate (set Etcd.CertFile and Etcd.KeyFile)"
                    : $"check the client certificate in Etcd.CertFile ('{options.CertFile}'): expired, or not signed by a CA etcd trusts");
        }

        return "TLS handshake with etcd failed (the journal's EXCEPTION field has the details)";
    }

    /// <summary>A detail in etcd's words ("etcdserver: no leader"); null when it is .NET's own text, which the journal keeps instead.</summary>
    public static string? Plain(string? detail) =>
        string.IsNullOrWhiteSpace(detail) || DotNet().IsMatch(detail) ? null : detail;

    [GeneratedRegex(@"TLS alert: '(\w+)'")]
    private static partial Regex Alert();

    [GeneratedRegex(@"\b(System|Grpc|Renci|Microsoft)\.\w|Exception\b|Error starting gRPC call")]
    private static partial Regex DotNet();
}
