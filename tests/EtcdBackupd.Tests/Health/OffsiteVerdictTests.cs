using EtcdBackupd.Health;
using EtcdBackupd.Protocol.Results;

namespace EtcdBackupd.Tests.Health;

/// <summary>The verdict on this master's off-site uploads: judged against its own newest snapshot, never the clock alone.</summary>
[Category("Fast")]
internal sealed class OffsiteVerdictTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private static readonly HealthOptions Options = new() { MaxSnapshotAge = TimeSpan.FromHours(24.5), CertificateWarning = TimeSpan.FromDays(30) };
    private static readonly HeldSnapshot Own = new("/s/etcd-snapshot-20261124T050000Z-m1-r9.db", Now.AddHours(-7), "m1", 9, 8224);

    private static OffsiteRecord Target(bool? ok, DateTimeOffset? success, DateTimeOffset? attempt = null) => new()
    {
        Target = "primary", LastSuccessAt = success, LastAttemptAt = ok is null ? null : attempt ?? Now.AddHours(-7), LastOk = ok,
        LastError = ok == false ? "bucket etcd-backups does not exist at s3.example.net" : null, Failures = ok == false ? 1 : 0,
    };

    private static HealthReport Judge(OffsiteRecord target, HeldSnapshot? own = null) =>
        HealthVerdict.Judge(new HealthInputs(new EtcdHealth { Healthy = true }, Own, [], null) { NewestOwnSnapshot = own ?? Own, Offsite = [target] }, Options, Now);

    [Test]
    public void Judge_LastUploadOk_IsHealthy() =>
        Assert.That(Judge(Target(true, Now.AddHours(-7))).Healthy, Is.True);

    [Test]
    public void Judge_LastUploadFailed_NamesTheTargetAndItsSentence()
    {
        var report = Judge(Target(false, Now.AddDays(-1)));

        Assert.That(report.Problems.Select(p => p.Reason), Is.EqualTo(new[] { HealthReason.OffsiteCopyFailed }));
        Assert.That(report.Problems[0].Message, Is.EqualTo("the last off-site copy to primary failed: bucket etcd-backups does not exist at s3.example.net"));
    }

    [Test]
    public void Judge_LastSuccessLongBeforeTheOwnNewestSnapshot_IsStale()
    {
        var report = Judge(Target(true, Now.AddDays(-3)));

        Assert.That(report.Problems.Select(p => p.Reason), Is.EqualTo(new[] { HealthReason.OffsiteCopyStale }));
        Assert.That(report.Problems[0].Message, Does.Contain("primary").And.Contain("Health.MaxSnapshotAgeMinutes"));
    }

    [Test]
    public void Judge_OldSuccessButNoNewerOwnSnapshot_IsHealthy() =>
        // Another master took the snapshots since (TakenBy: leader): this one owes the bucket nothing.
        Assert.That(Judge(Target(true, Now.AddDays(-3)), own: Own with { CreatedAt = Now.AddDays(-3).AddHours(1) }).Healthy, Is.True);

    [Test]
    public void Judge_TargetThisMasterNeverUploadedTo_IsNotJudged() =>
        Assert.That(Judge(Target(null, null)).Healthy, Is.True);
}
