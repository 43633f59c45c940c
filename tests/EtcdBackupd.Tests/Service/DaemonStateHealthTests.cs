using EtcdBackupd.Health;
using EtcdBackupd.Protocol.Results;
using EtcdBackupd.Service;

namespace EtcdBackupd.Tests.Service;

/// <summary>The STATUS= line with the health verdict and what was read from disk.</summary>
[Category("Fast")]
internal sealed class DaemonStateHealthTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 24, 5, 0, 3, TimeSpan.Zero);

    private static HealthView View(params HealthProblem[] problems) => new(
        new HealthReport(problems.Length == 0, problems), new EtcdHealth { Healthy = true },
        new HeldSnapshot("/s/etcd-snapshot-20261124T050003Z-m2-r9.db", At, "m2", 9, 8224), null, [], null, At);

    [Test]
    public void Describe_AfterARestart_NamesTheNewestSnapshotOnDiskAndSaysHealthy()
    {
        var state = new DaemonState();
        state.Observed(View());

        Assert.That(state.Describe(), Is.EqualTo("newest snapshot 2026-11-24 05:00:03Z on disk (member m2), revision 9, 8224 bytes; no next time; healthy"));
    }

    [Test]
    public void Describe_Unhealthy_EndsWithEveryReasonInWords()
    {
        var state = new DaemonState();
        state.Observed(View(new HealthProblem(HealthReason.EtcdUnreachable, "etcd does not answer: refused"), new HealthProblem(HealthReason.CopyFailed, "the last copy to h:22 failed: x")));

        Assert.That(state.Describe(), Does.EndWith("; UNHEALTHY: etcd does not answer: refused; the last copy to h:22 failed: x"));
    }
}
