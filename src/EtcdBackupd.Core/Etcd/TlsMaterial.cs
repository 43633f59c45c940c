using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EtcdBackupd.Etcd;

/// <summary>A problem with one key's file, in the configuration's words.</summary>
internal sealed record KeyProblem(string Key, string Message);

/// <summary>What the TLS files of <c>Etcd.*</c> hold: the problems that no date can cure, and the client certificate's facts.</summary>
internal sealed record TlsInspection(IReadOnlyList<KeyProblem> Problems, int CaCertificates, string? Subject, DateTimeOffset? NotBefore, DateTimeOffset? NotAfter)
{
    /// <summary>Whether any TLS file is configured at all.</summary>
    public bool Used => CaCertificates > 0 || Subject is not null || Problems.Count > 0;
}

/// <summary>
/// Reads <c>Etcd.CaFile</c>, <c>Etcd.CertFile</c> and <c>Etcd.KeyFile</c> as the connection will: a file
/// that does not parse, or a key that is not the certificate's, can never work, and is found here rather
/// than at the first scheduled snapshot. Dates are reported, not judged: a certificate renewed on disk is
/// read again at the next connection.
/// </summary>
internal static class TlsMaterial
{
    public static TlsInspection Inspect(EtcdOptions options)
    {
        // A file that does not exist is the configuration's problem already (ConfigReader.ExistingFile).
        var problems = new List<KeyProblem>();
        var ca = options.CaFile is null || !File.Exists(options.CaFile) ? 0 : CountCertificates("Etcd.CaFile", options.CaFile, problems);
        if (options.CertFile is null || options.KeyFile is null || !File.Exists(options.CertFile) || !File.Exists(options.KeyFile)
            || CountCertificates("Etcd.CertFile", options.CertFile, problems) == 0 || Load(options.CertFile) is not { } certificate)
        {
            return new TlsInspection(problems, ca, null, null, null);
        }

        using (certificate)
        {
            if (KeyProblemOf(certificate, options.CertFile, options.KeyFile) is { } problem)
            {
                problems.Add(new KeyProblem("Etcd.KeyFile", problem));
            }

            return new TlsInspection(problems, ca, certificate.Subject,
                new DateTimeOffset(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero), new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero));
        }
    }

    private static int CountCertificates(string key, string path, List<KeyProblem> problems)
    {
        try
        {
            var certificates = new X509Certificate2Collection();
            certificates.ImportFromPemFile(path);
            if (certificates.Count == 0)
            {
                problems.Add(new KeyProblem(key, $"'{path}' holds no PEM certificate (-----BEGIN CERTIFICATE-----)"));
            }

            foreach (var certificate in certificates)
            {
                certificate.Dispose();
            }

            return certificates.Count;
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            problems.Add(new KeyProblem(key, $"'{path}' cannot be read as PEM certificates: {e.Message}"));
            return 0;
        }
    }

    /// <summary>The first certificate of the file: the client certificate, the rest being its chain.</summary>
    private static X509Certificate2? Load(string path)
    {
        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPemFile(path);
        foreach (var extra in certificates.Skip(1))
        {
            extra.Dispose();
        }

        return certificates.Count > 0 ? certificates[0] : null;
    }

    /// <summary>Null when the key file holds the private key of <paramref name="certificate"/>'s public key.</summary>
    private static string? KeyProblemOf(X509Certificate2 certificate, string certFile, string keyFile)
    {
        string pem;
        try
        {
            pem = File.ReadAllText(keyFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"'{keyFile}' cannot be read: {e.Message}";
        }

        using var ec = certificate.GetECDsaPublicKey();
        using var rsa = certificate.GetRSAPublicKey();
        var kind = ec is not null ? "EC" : rsa is not null ? "RSA" : null;
        if (kind is null)
        {
            return $"the certificate in Etcd.CertFile ('{certFile}') has a key that is neither RSA nor EC";
        }

        var keyKind = Imports(ECDsa.Create(), pem) ? "EC" : Imports(RSA.Create(), pem) ? "RSA" : null;
        if (keyKind is null)
        {
            return $"'{keyFile}' holds no unencrypted RSA or EC private key in PEM form (an encrypted key, or not a key at all?)";
        }

        if (keyKind != kind)
        {
            return $"'{keyFile}' holds an {keyKind} key, and the certificate in Etcd.CertFile ('{certFile}') has an {kind} key: they cannot belong together";
        }

        return (ec is not null ? SameEc(ec, pem) : SameRsa(rsa!, pem)) ? null
            : $"'{keyFile}' is not the private key of the certificate in Etcd.CertFile ('{certFile}', {certificate.Subject}): "
                + "they come from different key pairs (a certificate and a key swapped or mixed up?)";
    }

    /// <summary>Whether <paramref name="pem"/> holds a private key of <paramref name="key"/>'s kind, which is disposed.</summary>
    private static bool Imports(AsymmetricAlgorithm key, string pem)
    {
        using (key)
        {
            try
            {
                key.ImportFromPem(pem);
                return true;
            }
            catch (Exception e) when (e is ArgumentException or CryptographicException)
            {
                return false;
            }
        }
    }

    private static bool SameEc(ECDsa certificateKey, string pem)
    {
        using var key = ECDsa.Create();
        key.ImportFromPem(pem);
        var (a, b) = (certificateKey.ExportParameters(false), key.ExportParameters(false));
        return a.Curve.Oid?.Value == b.Curve.Oid?.Value && a.Q.X.AsSpan().SequenceEqual(b.Q.X) && a.Q.Y.AsSpan().SequenceEqual(b.Q.Y);
    }

    private static bool SameRsa(RSA certificateKey, string pem)
    {
        using var key = RSA.Create();
        key.ImportFromPem(pem);
        var (a, b) = (certificateKey.ExportParameters(false), key.ExportParameters(false));
        return a.Modulus.AsSpan().SequenceEqual(b.Modulus) && a.Exponent.AsSpan().SequenceEqual(b.Exponent);
    }
}
