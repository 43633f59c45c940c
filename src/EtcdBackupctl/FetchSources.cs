using System.Globalization;
using EtcdBackupd.Protocol.Requests;

namespace EtcdBackupctl;

/// <summary><c>fetch --from</c>: <c>peer:HOST[:PORT]</c> (an IPv6 host in brackets) or <c>offsite[:TARGET]</c>, made the request's typed source here, never parsed by the daemon.</summary>
internal static class FetchSources
{
    public const string Forms = "peer:HOST[:PORT] or offsite[:TARGET]";

    /// <summary>The source, or null with the usage problem.</summary>
    public static FetchSource? Parse(string text, out string? problem)
    {
        problem = null;
        var (kind, rest) = text.IndexOf(':', StringComparison.Ordinal) is var colon and >= 0 ? (text[..colon], text[(colon + 1)..]) : (text, "");
        switch (kind)
        {
            case "offsite":
                return new FetchSource { Kind = FetchSourceKind.Offsite, Target = rest.Length == 0 ? null : rest };
            case "peer" when SplitHostPort(rest) is var (host, port) && host.Length > 0:
                if (port is null || (int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number is > 0 and <= 65535))
                {
                    return new FetchSource { Kind = FetchSourceKind.Peer, Host = host, Port = port is null ? null : int.Parse(port, CultureInfo.InvariantCulture) };
                }

                problem = $"--from '{text}': the port must be a number from 1 to 65535";
                return null;
            default:
                problem = $"--from '{text}' is not {Forms}";
                return null;
        }
    }

    private static (string Host, string? Port) SplitHostPort(string text)
    {
        if (text.StartsWith('[') && text.IndexOf(']', StringComparison.Ordinal) is var end and > 0)
        {
            return (text[1..end], text.Length > end + 1 && text[end + 1] == ':' ? text[(end + 2)..] : null);
        }

        var colon = text.LastIndexOf(':');
        return colon < 0 ? (text, null) : (text[..colon], text[(colon + 1)..]);
    }
}
