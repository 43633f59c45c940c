using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EtcdBackupd.Tests.Support;

/// <summary>A CA, a server certificate for 127.0.0.1 and a client certificate, made by openssl for one test.</summary>
internal sealed class TestPki
{
    private TestPki(string directory, string name)
    {
        CaFile = Path.Combine(directory, $"{name}-ca.pem");
        ServerCert = Path.Combine(directory, $"{name}-server.pem");
        ServerKey = Path.Combine(directory, $"{name}-server.key");
        ClientCert = Path.Combine(directory, $"{name}-client.pem");
        ClientKey = Path.Combine(directory, $"{name}-client.key");
        CaKey = Path.Combine(directory, $"{name}-ca.key");
    }

    private string CaKey { get; }

    public string CaFile { get; }
    public string ServerCert { get; }
    public string ServerKey { get; }
    public string ClientCert { get; }
    public string ClientKey { get; }

    /// <param name="directory">Where the files go.</param>
    /// <param name="name">Prefix of the files and the CA's name.</param>
    /// <param name="addresses">More IP addresses the server certificate is valid for, besides 127.0.0.1.</param>
    public static async Task<TestPki> CreateAsync(string directory, string name, params string[] addresses)
    {
        var pki = new TestPki(directory, name);
        var caKey = Path.Combine(directory, $"{name}-ca.key");
        await OpenSsl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", caKey, "-out", pki.CaFile, "-days", "365", "-subj", $"/CN={name} test CA");
        await IssueAsync(directory, pki.CaFile, caKey, pki.ServerCert, pki.ServerKey, "etcd",
            $"subjectAltName=IP:127.0.0.1,{string.Concat(addresses.Select(a => $"IP:{a},"))}DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n");
        await IssueAsync(directory, pki.CaFile, caKey, pki.ClientCert, pki.ClientKey, "etcd-backupd",
            "extendedKeyUsage=clientAuth\n");
        return pki;
    }

    /// <summary>
    /// A client certificate of this CA whose validity ended yesterday, with its key. Made by .NET rather than
    /// openssl: OpenSSL 3.0's <c>x509 -req</c> cannot backdate.
    /// </summary>
    public (string Cert, string Key) IssueExpiredClient(string directory)
    {
        // The signature generator rather than the issuer certificate: .NET refuses a validity outside the issuer's.
        using var ca = X509Certificate2.CreateFromPem(File.ReadAllText(CaFile));
        using var caKey = ECDsa.Create();
        caKey.ImportFromPem(File.ReadAllText(CaKey));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=etcd-backupd", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        var serial = RandomNumberGenerator.GetBytes(8);
        serial[0] &= 0x7f;
        var notAfter = DateTimeOffset.UtcNow.AddDays(-1);
        using var certificate = request.Create(ca.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), notAfter.AddDays(-30), notAfter, serial);
        var (cert, keyFile) = (Path.Combine(directory, "expired-client.pem"), Path.Combine(directory, "expired-client.key"));
        File.WriteAllText(cert, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return (cert, keyFile);
    }

    private static async Task IssueAsync(string directory, string caFile, string caKey, string cert, string key, string commonName, string extensions)
    {
        var csr = cert + ".csr";
        var ext = cert + ".ext";
        await File.WriteAllTextAsync(ext, extensions);
        await OpenSsl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", key, "-out", csr, "-subj", $"/CN={commonName}");
        await OpenSsl("x509", "-req", "-in", csr, "-CA", caFile, "-CAkey", caKey, "-CAcreateserial",
            "-out", cert, "-days", "365", "-extfile", ext);
        _ = directory;
    }

    private static async Task OpenSsl(params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync("openssl", arguments);
        Assert.That(result.ExitCode, Is.Zero, () => "openssl failed: " + result);
    }
}
