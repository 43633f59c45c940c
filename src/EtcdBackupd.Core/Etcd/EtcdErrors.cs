using System.Net.Sockets;
using System.Security.Authentication;
using Grpc.Core;

namespace EtcdBackupd.Etcd;

/// <summary>Turns gRPC failures into sentences an operator can act on.</summary>
internal static class EtcdErrors
{
    public static string Describe(RpcException e, EtcdOptions options)
    {
        for (Exception? inner = e.Status.DebugException; inner is not null; inner = inner.InnerException)
        {
            switch (inner)
            {
                case AuthenticationException auth when auth.Message.Contains("RemoteCertificateValidationCallback", StringComparison.Ordinal):
                    return $"TLS: etcd's server certificate is not signed by the CA in Etcd.CaFile ('{options.CaFile}') or does not name this host";
                case AuthenticationException auth:
                    return $"TLS handshake failed: {auth.Message}";
                case SocketException socket:
                    return socket.Message;
                case IOException io when options.CertFile is not null && e.Status.StatusCode == StatusCode.Unavailable:
                    return $"the connection was closed during TLS set-up; etcd may have refused the client certificate in Etcd.CertFile ('{options.CertFile}'): {io.Message}";
            }
        }

        return e.Status.StatusCode switch
        {
            StatusCode.DeadlineExceeded => "no answer within Etcd.DialTimeoutSeconds",
            _ => $"{e.Status.StatusCode}: {e.Status.Detail}",
        };
    }
}
