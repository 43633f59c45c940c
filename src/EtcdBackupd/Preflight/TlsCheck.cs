using System.Globalization;
using EtcdBackupd.Etcd;

namespace EtcdBackupd.Preflight;

/// <summary>
/// The CA parses, the client certificate and its key belong together, and the certificate is valid today;
/// its expiry is shown. An expiry close by passes here: the health verdict is what warns of it.
/// </summary>
internal static class TlsCheck
{
    public static CheckLine Run(EtcdOptions etcd, TimeProvider time)
    {
        var tls = TlsMaterial.Inspect(etcd);
        if (tls.Problems.Count > 0)
        {
            return new CheckLine(CheckNames.Tls, false, string.Join("; ", tls.Problems.Select(p => $"{p.Key}: {p.Message}")));
        }

        var ca = tls.CaCertificates > 0 ? $"Etcd.CaFile holds {tls.CaCertificates} CA certificate{(tls.CaCertificates == 1 ? "" : "s")}" : "the system's CAs";
        if (tls.Subject is null)
        {
            return new CheckLine(CheckNames.Tls, true, etcd.Endpoints.Any(e => e.Scheme == Uri.UriSchemeHttps)
                ? $"{ca}; no client certificate (Etcd.CertFile and Etcd.KeyFile unset)"
                : "not used: every endpoint is plain http://");
        }

        var now = time.GetUtcNow();
        var certificate = $"the client certificate {tls.Subject} and Etcd.KeyFile belong together";
        if (now < tls.NotBefore)
        {
            return new CheckLine(CheckNames.Tls, false, $"{certificate}, but it is valid only from {Time(tls.NotBefore.Value)}; {ca}");
        }

        if (now > tls.NotAfter)
        {
            return new CheckLine(CheckNames.Tls, false, $"{certificate}, but it EXPIRED on {Time(tls.NotAfter!.Value)}; {ca}");
        }

        var left = tls.NotAfter!.Value - now;
        return new CheckLine(CheckNames.Tls, true, $"{certificate}; it expires on {Time(tls.NotAfter.Value)}, in {Days(left)}; {ca}");
    }

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    private static string Days(TimeSpan left) => left.TotalDays >= 2
        ? $"{Math.Floor(left.TotalDays).ToString(CultureInfo.InvariantCulture)} days"
        : $"{Math.Floor(left.TotalHours).ToString(CultureInfo.InvariantCulture)} hours";
}
