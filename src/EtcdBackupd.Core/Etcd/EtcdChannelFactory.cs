using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;

namespace EtcdBackupd.Etcd;

/// <summary>Builds gRPC channels to etcd endpoints, plain or TLS with a private CA and a client certificate.</summary>
internal sealed class EtcdChannelFactory : IDisposable
{
    private readonly X509Certificate2Collection? _trustedRoots;
    private readonly X509Certificate2? _clientCertificate;

    public EtcdChannelFactory(EtcdOptions options)
    {
        // Read at each connection: a file gone or unreadable since start (a certificate rotation half done) is
        // a failure to reach etcd, said as one, never an exception that would stop the daemon's loops.
        if (options.CaFile is not null)
        {
            _trustedRoots = [];
            try
            {
                _trustedRoots.ImportFromPemFile(options.CaFile);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                throw new EtcdException($"Etcd.CaFile '{options.CaFile}' cannot be read: {e.Message}", e);
            }

            if (_trustedRoots.Count == 0)
            {
                throw new EtcdException($"Etcd.CaFile '{options.CaFile}' holds no PEM certificate");
            }
        }

        if (options.CertFile is not null && options.KeyFile is not null)
        {
            try
            {
                _clientCertificate = X509Certificate2.CreateFromPemFile(options.CertFile, options.KeyFile);
            }
            catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or ArgumentException or IOException or UnauthorizedAccessException)
            {
                throw new EtcdException($"Etcd.CertFile/Etcd.KeyFile: cannot load the client certificate: {e.Message}", e);
            }
        }
    }

    public GrpcChannel Create(Uri endpoint)
    {
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = false,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            // A snapshot stream is one long response: 1 MiB in flight keeps etcd sending on loopback and LAN
            // while bounding what we buffer (dynamic window growth is off, see EtcdBackupd.csproj).
            InitialHttp2StreamWindowSize = 1024 * 1024,
            ConnectCallback = ConnectAsync,
        };
        if (endpoint.Scheme == Uri.UriSchemeHttps)
        {
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = _clientCertificate is null ? null : [_clientCertificate],
                RemoteCertificateValidationCallback = _trustedRoots is null ? null : ValidateAgainstCa,
            };
        }

        return GrpcChannel.ForAddress(endpoint, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = 16 * 1024 * 1024,
        });
    }

    /// <summary>What SocketsHttpHandler does by default (a dual-mode socket, Nagle off), with reads buffered.</summary>
    private static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new ReceiveBufferStream(new NetworkStream(socket, ownsSocket: true));
    }

    private bool ValidateAgainstCa(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0
            || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            return false;
        }

        // Trust exactly the configured CA, as etcdctl --cacert does, not the system store.
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_trustedRoots!);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            custom.ChainPolicy.ExtraStore.AddRange(chain.ChainPolicy.ExtraStore);
        }

        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return custom.Build(leaf);
    }

    public void Dispose() => _clientCertificate?.Dispose();
}
