using Microsoft.Extensions.Logging;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace EtcdBackupd.Peers;

/// <summary>A host key that was not accepted: unknown, changed or revoked. Not retried.</summary>
internal sealed class HostKeyRefusedException(string message) : Exception(message);

/// <summary>An SFTP session to one peer whose host key matched <c>Peers.KnownHostsFile</c>.</summary>
internal sealed class PeerSession : IAsyncDisposable
{
    private readonly SftpClient _client;
    private int _disposed;

    private PeerSession(SftpClient client) => _client = client;

    public SftpClient Sftp => _client;

    public static async Task<PeerSession> ConnectAsync(PeerTarget target, PeersOptions options, ILogger logger, CancellationToken cancellationToken) =>
        new(await OpenAsync(target, options, logger, c => new SftpClient(c) { OperationTimeout = options.Timeout }, cancellationToken));

    /// <summary>
    /// A connected SSH.NET client of any kind (SFTP for copies, commands for the cluster restore) with
    /// the same identity and the same host-key pinning; disposed if it does not connect.
    /// </summary>
    public static async Task<TClient> OpenAsync<TClient>(
        PeerTarget target, PeersOptions options, ILogger logger, Func<ConnectionInfo, TClient> create, CancellationToken cancellationToken)
        where TClient : BaseClient
    {
        var key = new PrivateKeyFile(options.IdentityFile!);
        var connection = new ConnectionInfo(target.Host, target.Port, target.User, new PrivateKeyAuthenticationMethod(target.User, key))
        {
            Timeout = options.ConnectTimeout,
        };
        PreferAesGcm(connection);
        var client = create(connection);
        string? refusal = null;
        var knownHosts = new KnownHosts(options.KnownHostsFile!);
        client.HostKeyReceived += (_, e) =>
        {
            refusal = CheckHostKey(target, knownHosts, e, logger);
            e.CanTrust = refusal is null;
        };

        try
        {
            await client.ConnectAsync(cancellationToken);
            return client;
        }
        catch (Exception e) when (refusal is not null && e is SshConnectionException or SshException)
        {
            client.Dispose();
            throw new HostKeyRefusedException(refusal);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Offers AES-GCM first: with AES-NI it is the cheapest cipher here and needs no separate MAC, and a
    /// gigabyte per snapshot per peer makes the cipher the cost of a copy. The rest keep their order.
    /// </summary>
    private static void PreferAesGcm(ConnectionInfo connection)
    {
        var ciphers = connection.Encryptions.ToList();
        connection.Encryptions.Clear();
        foreach (var cipher in ciphers.OrderBy(c => c.Key.Contains("-gcm@", StringComparison.Ordinal) ? 0 : 1))
        {
            connection.Encryptions.Add(cipher.Key, cipher.Value);
        }
    }

    private static string? CheckHostKey(PeerTarget target, KnownHosts knownHosts, HostKeyEventArgs e, ILogger logger)
    {
        var fingerprint = KnownHosts.Fingerprint(e.HostKey);
        switch (knownHosts.Check(target.KnownHostsName, e.HostKeyName, e.HostKey))
        {
            case KnownHosts.Verdict.Known:
                return null;
            case KnownHosts.Verdict.Unknown when target.TrustOnFirstUse:
                knownHosts.Append(target.KnownHostsName, e.HostKeyName, e.HostKey);
                PeersLog.TrustedOnFirstUse(logger, target.Host, target.Port, e.HostKeyName, fingerprint, knownHosts.Path);
                return null;
            case KnownHosts.Verdict.Unknown:
                return $"the host key of {target} ({e.HostKeyName} {fingerprint}) is not in Peers.KnownHostsFile '{knownHosts.Path}'; "
                    + $"after checking it on that host (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub), add: {KnownHosts.Line(target.KnownHostsName, e.HostKeyName, e.HostKey)}";
            case KnownHosts.Verdict.Revoked:
                return $"the host key of {target} ({e.HostKeyName} {fingerprint}) is marked @revoked in '{knownHosts.Path}'";
            default:
                return $"the host key of {target} CHANGED: it offered {e.HostKeyName} {fingerprint}, which does not match "
                    + $"Peers.KnownHostsFile '{knownHosts.Path}'. Refusing to send snapshots there until an operator checks it";
        }
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _client.Dispose();
        }

        return ValueTask.CompletedTask;
    }
}
