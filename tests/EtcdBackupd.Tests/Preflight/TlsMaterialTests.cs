using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EtcdBackupd.Etcd;
using EtcdBackupd.Preflight;
using EtcdBackupd.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace EtcdBackupd.Tests.Preflight;

/// <summary>TLS files as an operator may get them wrong, made in-process: no etcd, no openssl.</summary>
[Category("Fast")]
internal sealed class TlsMaterialTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 5, 0, 0, TimeSpan.Zero);
    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory("tls-material");

    [TearDown]
    public void TearDown() => _dir.Dispose();

    [Test]
    public void Inspect_ACertificateWithItsOwnKey_FindsNoProblemAndReadsItsDates()
    {
        var (cert, key) = Pair("a", Now.AddDays(-1), Now.AddDays(90));

        var tls = TlsMaterial.Inspect(Options(cert, key));

        Assert.That(tls.Problems, Is.Empty);
        Assert.That((tls.Subject, tls.NotAfter), Is.EqualTo(("CN=a", Now.AddDays(90))));
    }

    [Test]
    public void Inspect_ACertificateWithAnotherIdentitysKey_NamesEtcdKeyFile()
    {
        var (cert, _) = Pair("a", Now.AddDays(-1), Now.AddDays(90));
        var (_, otherKey) = Pair("b", Now.AddDays(-1), Now.AddDays(90));

        var tls = TlsMaterial.Inspect(Options(cert, otherKey));

        Assert.That(tls.Problems.Select(p => p.Key), Is.EqualTo(new[] { "Etcd.KeyFile" }));
        Assert.That(tls.Problems[0].Message, Does.Contain("different key pairs").And.Contain(otherKey));
    }

    [Test]
    public void Inspect_AnRsaKeyForAnEcCertificate_SaysWhichKindItNeeds()
    {
        var (cert, _) = Pair("a", Now.AddDays(-1), Now.AddDays(90));
        using var rsa = RSA.Create(2048);
        var rsaKey = Write("rsa.key", rsa.ExportPkcs8PrivateKeyPem());

        var tls = TlsMaterial.Inspect(Options(cert, rsaKey));

        Assert.That(tls.Problems.Single().Message, Does.Contain("holds an RSA key, and the certificate").And.Contain("has an EC key"));
    }

    [Test]
    public void Inspect_ACaFileThatIsNoCertificate_NamesEtcdCaFile()
    {
        var (cert, key) = Pair("a", Now.AddDays(-1), Now.AddDays(90));
        var ca = Write("ca.pem", "not a certificate\n");

        var tls = TlsMaterial.Inspect(new EtcdOptions { Endpoints = [new Uri("https://127.0.0.1:2379")], CaFile = ca, CertFile = cert, KeyFile = key });

        Assert.That(tls.Problems.Select(p => p.Key), Is.EqualTo(new[] { "Etcd.CaFile" }));
    }

    [Test]
    public void Inspect_AnExpiredCertificate_IsNoProblemOfTheFiles()
    {
        var (cert, key) = Pair("old", Now.AddDays(-90), Now.AddDays(-1));

        Assert.That(TlsMaterial.Inspect(Options(cert, key)).Problems, Is.Empty);
    }

    [Test]
    public void TlsCheck_AnExpiredCertificate_FailsSayingWhen()
    {
        var (cert, key) = Pair("old", Now.AddDays(-90), Now.AddDays(-1));

        var line = TlsCheck.Run(Options(cert, key), new FakeTimeProvider(Now));

        Assert.That((line.Ok, line.Detail), Is.EqualTo((false, "the client certificate CN=old and Etcd.KeyFile belong together, but it EXPIRED on "
            + "2026-11-23 05:00 UTC; the system's CAs")));
    }

    [Test]
    public void TlsCheck_AValidCertificate_PassesShowingItsExpiry()
    {
        var (cert, key) = Pair("a", Now.AddDays(-1), Now.AddDays(20));

        var line = TlsCheck.Run(Options(cert, key), new FakeTimeProvider(Now));

        Assert.That((line.Ok, line.Detail), Is.EqualTo((true, "the client certificate CN=a and Etcd.KeyFile belong together; it expires on "
            + "2026-12-14 05:00 UTC, in 20 days; the system's CAs")));
    }

    private static EtcdOptions Options(string cert, string key) =>
        new() { Endpoints = [new Uri("https://127.0.0.1:2379")], CertFile = cert, KeyFile = key };

    /// <summary>A self-signed EC certificate and its key, as PEM files.</summary>
    private (string Cert, string Key) Pair(string name, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256).CreateSelfSigned(notBefore, notAfter);
        return (Write($"{name}.pem", certificate.ExportCertificatePem()), Write($"{name}.key", key.ExportPkcs8PrivateKeyPem()));
    }

    private string Write(string name, string text)
    {
        var path = _dir.Combine(name);
        File.WriteAllText(path, text);
        return path;
    }
}
