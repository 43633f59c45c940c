using EtcdBackupd.Peers;

namespace EtcdBackupd.Tests.Peers;

[Category("Fast")]
internal sealed class PeerTargetTests
{
    [Test]
    public void KnownHostsName_OnPort22_IsTheBareHost() =>
        Assert.That(new PeerTarget { Host = "10.0.0.2", Directory = "/srv" }.KnownHostsName, Is.EqualTo("10.0.0.2"));

    [Test]
    public void KnownHostsName_OnAnotherPort_IsBracketedWithThePort() =>
        Assert.That(new PeerTarget { Host = "10.0.0.2", Port = 2222, Directory = "/srv" }.KnownHostsName, Is.EqualTo("[10.0.0.2]:2222"));
}
