using System.Net;
using System.Net.Sockets;

namespace EtcdBackupd.Restore;

/// <summary>
/// Peer URLs compared as etcd compares them before it starts or restores a member (<c>netutil.URLStringsEqual</c>):
/// host names resolved, so <c>https://etcd1.example:2380</c> in <c>--initial-cluster</c> and
/// <c>https://10.0.0.1:2380</c> in <c>--initial-advertise-peer-urls</c> are the same member when the name resolves there.
/// </summary>
internal static class PeerUrls
{
    /// <summary>How long one name may take to resolve: the plan runs again after a daemon restart, with etcd stopped.</summary>
    private static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Whether both lists name the same addresses, each host resolved; null when a name does not resolve (in time): that
    /// cannot be told here, and etcd's restore tool, which resolves them itself, refuses a real mismatch.
    /// </summary>
    public static bool? SameAddresses(IReadOnlyList<string> first, IReadOnlyList<string> second, Func<string, IPAddress[]>? resolve = null)
    {
        resolve ??= Resolve;
        var unknown = false;
        List<string>? Resolved(IReadOnlyList<string> urls)
        {
            var addresses = new List<string>();
            foreach (var url in urls)
            {
                if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
                {
                    return null;
                }

                if (Address(uri.Host, resolve) is not { } address)
                {
                    unknown = true;
                    return null;
                }

                addresses.Add($"{uri.Scheme}://{new IPEndPoint(address, uri.Port)}");
            }

            return [.. addresses.Order(StringComparer.Ordinal)];
        }

        var (a, b) = (Resolved(first), Resolved(second));
        return unknown ? null : a is not null && b is not null && a.SequenceEqual(b);
    }

    private static IPAddress[] Resolve(string host)
    {
        using var deadline = new CancellationTokenSource(ResolveTimeout);
        return Dns.GetHostAddressesAsync(host, deadline.Token).GetAwaiter().GetResult();
    }

    /// <summary>The host's address as Go's resolver takes it for a TCP dial: an IP as written, else the name's first IPv4 address, else its first.</summary>
    private static IPAddress? Address(string host, Func<string, IPAddress[]> resolve)
    {
        if (IPAddress.TryParse(host.Trim('[', ']'), out var literal))
        {
            return literal;
        }

        try
        {
            var all = resolve(host);
            return all.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? all.FirstOrDefault();
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ArgumentException)
        {
            return null;
        }
    }
}
