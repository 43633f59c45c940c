using System.Net.Sockets;
using EtcdBackupd.Peers;
using Renci.SshNet.Common;
using Renci.SshNet.Sftp;

namespace EtcdBackupd.Tests.Peers;

[Category("Fast")]
internal sealed class PeerErrorsTests
{
    private const string Directory = "/var/lib/etcd-backupd/snapshots";

    [Test]
    public void Describe_PermissionDenied_NamesTheDirectory() =>
        Assert.That(PeerErrors.Describe(new SftpPermissionDeniedException("Permission denied"), Directory),
            Is.EqualTo("permission denied on the peer's directory /var/lib/etcd-backupd/snapshots"));

    [Test]
    public void Describe_NoSuchFile_SaysTheDirectoryDoesNotExist() =>
        Assert.That(PeerErrors.Describe(new SftpPathNotFoundException("No such file"), Directory),
            Is.EqualTo("the peer's directory /var/lib/etcd-backupd/snapshots does not exist"));

    [Test]
    public void Describe_FailureNamingAFullDisk_SaysNoSpaceLeft() =>
        Assert.That(PeerErrors.Describe(new SftpException(StatusCode.Failure, "No space left on device"), Directory),
            Is.EqualTo("no space left on the peer in /var/lib/etcd-backupd/snapshots"));

    [Test]
    public void Describe_BareFailure_GivesTheStatusAndTheServersText() =>
        Assert.That(PeerErrors.Describe(new SftpException(StatusCode.Failure, "Failure"), Directory),
            Is.EqualTo("the peer's SFTP server answered SSH_FX_FAILURE (\"Failure\") in /var/lib/etcd-backupd/snapshots"));

    [Test]
    public void TooLittleSpace_GivesBothNumbersInMiB() =>
        Assert.That(PeerErrors.TooLittleSpace(12_897_485, 100L << 20, Directory),
            Is.EqualTo("the peer has 12.3 MiB free in /var/lib/etcd-backupd/snapshots, the snapshot needs 100.0 MiB"));

    [Test]
    public void Describe_ABrokenPipeMidUpload_IsALostConnectionNotAFailureToConnect() =>
        Assert.That(PeerErrors.Describe(new SocketException((int)SocketError.Shutdown), Directory),
            Does.StartWith("the connection to the peer was lost: "));

    [Test]
    public void Describe_ARefusedConnection_IsAFailureToConnect() =>
        Assert.That(PeerErrors.Describe(new SocketException((int)SocketError.ConnectionRefused), Directory), Does.StartWith("cannot connect: "));

    [Test]
    [CancelAfter(30_000)]
    public void Describe_AClosedPortAndAnUnresolvableName_AreSentencesWithoutTypeNames()
    {
        var closed = Assert.Catch<SocketException>(() => new TcpClient().Connect("127.0.0.1", Support.EtcdCluster.FreePort()))!;
        var unresolvable = Assert.Catch<SocketException>(() => new TcpClient().Connect("peer.nonexistent.invalid", 22))!;

        Assert.That((PeerErrors.Describe(closed, Directory), PeerErrors.Describe(unresolvable, Directory)), Is.EqualTo((
            "cannot connect: connection refused (is sshd running there, on that port?)",
            "cannot connect: the host name does not resolve (DNS): check Peers.Targets")));
    }

    [Test]
    public void Describe_AnUnknownFailureWithDotNetText_KeepsItForTheJournal() =>
        Assert.That(PeerErrors.Describe(new InvalidOperationException("System.ObjectDisposedException: Cannot access a disposed object."), Directory),
            Is.EqualTo("an unexpected error (the journal's EXCEPTION field has the details)"));

    [Test]
    public void IsFinal_PermissionDenied_IsNotRetriedButALostConnectionIs() =>
        Assert.That((PeerErrors.IsFinal(new SftpPermissionDeniedException("Permission denied")), PeerErrors.IsFinal(new SshConnectionException("lost"))),
            Is.EqualTo((true, false)));
}
