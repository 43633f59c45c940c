using EtcdBackupd.Peers;
using EtcdBackupd.State;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.State;

/// <summary>Each peer's copies, as every push records them and the daemon reads them.</summary>
[Category("Fast")]
internal sealed class CopyLedgerTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 24, 5, 0, 0, TimeSpan.Zero);

    private static PeerPushResult Result(bool ok) => new("10.0.0.3", 22, ok, false, ok ? null : "cannot connect: Connection refused", 3, TimeSpan.FromSeconds(1));

    [Test]
    public void Record_AFailureThenASuccessfulPush_ClearsTheFailureAndKeepsTheCount()
    {
        using var dir = new TempDirectory("copy-ledger");
        new CopyLedger(dir.Path).Record([Result(false)], At);
        new CopyLedger(dir.Path).Record([Result(true)], At.AddHours(1));

        var peer = new CopyLedger(dir.Path).Read().Single();

        Assert.That((peer.Peer, peer.LastOk, peer.LastError, peer.LastSuccessAt, peer.Failures), Is.EqualTo(("10.0.0.3:22", (bool?)true, (string?)null, (DateTimeOffset?)At.AddHours(1), 1L)));
    }

    [Test]
    public void Record_AFailureAfterASuccess_KeepsTheLastSuccessTime()
    {
        using var dir = new TempDirectory("copy-ledger");
        new CopyLedger(dir.Path).Record([Result(true)], At);
        new CopyLedger(dir.Path).Record([Result(false)], At.AddDays(1));

        var peer = new CopyLedger(dir.Path).Read().Single();

        Assert.That((peer.LastOk, peer.LastSuccessAt, peer.Failures), Is.EqualTo(((bool?)false, (DateTimeOffset?)At, 1L)));
    }

    [Test]
    public void Read_NoFileYet_IsEmpty()
    {
        using var dir = new TempDirectory("copy-ledger");

        Assert.That(new CopyLedger(dir.Path).Read(), Is.Empty);
    }
}
