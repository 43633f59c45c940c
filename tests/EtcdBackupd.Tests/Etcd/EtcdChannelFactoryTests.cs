using EtcdBackupd.Etcd;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Etcd;

/// <summary>TLS files read at each connection: one gone since start is a failure to reach etcd, never an exception that stops the daemon's loops.</summary>
[Category("Fast")]
internal sealed class EtcdChannelFactoryTests
{
    [TestCase("CaFile")]
    [TestCase("CertFile")]
    public void Create_WithATlsFileGoneSinceStart_IsAnEtcdExceptionNamingTheKey(string gone)
    {
        using var dir = new TempDirectory("tls-gone");
        var missing = dir.Combine("rotated-away.pem");
        var options = gone == "CaFile"
            ? new EtcdOptions { Endpoints = [new Uri("https://127.0.0.1:2379")], CaFile = missing }
            : new EtcdOptions { Endpoints = [new Uri("https://127.0.0.1:2379")], CertFile = missing, KeyFile = missing };

        var e = Assert.Throws<EtcdException>(() => new EtcdChannelFactory(options));

        Assert.That(e!.Message, Does.Contain($"Etcd.{gone}").And.Contain(missing));
    }
}
