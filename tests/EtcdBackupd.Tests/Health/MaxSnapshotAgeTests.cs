using EtcdBackupd.Configuration;
using EtcdBackupd.Health;
using EtcdBackupd.Schedule;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace EtcdBackupd.Tests.Health;

[Category("Fast")]
internal sealed class MaxSnapshotAgeTests
{
    private static readonly DateTimeOffset From = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    private static ScheduleOptions Schedule(int graceMinutes, params string[] crons) => new()
    {
        Schedules = [.. crons.Select(c => CronSchedule.Parse(c, TimeZoneInfo.Utc))], TimeZone = TimeZoneInfo.Utc, FollowerGrace = TimeSpan.FromMinutes(graceMinutes),
    };

    [Test]
    public void Default_DailyAt0500_IsADayPlusTheFollowerGrace() =>
        Assert.That(HealthOptions.DefaultMaxSnapshotAge(Schedule(30, "0 5 * * *"), From), Is.EqualTo(TimeSpan.FromHours(24.5)));

    [Test]
    public void Default_TwoSchedulesUnevenlySpaced_TakesTheLongerGap() =>
        Assert.That(HealthOptions.DefaultMaxSnapshotAge(Schedule(0, "0 5 * * *", "0 9 * * *"), From), Is.EqualTo(TimeSpan.FromHours(20)));

    [Test]
    public void Default_WeekdaysOnly_CoversTheWeekend() =>
        Assert.That(HealthOptions.DefaultMaxSnapshotAge(Schedule(30, "0 5 * * 1-5"), From), Is.EqualTo(TimeSpan.FromDays(3) + TimeSpan.FromMinutes(30)));

    [Test]
    public void Default_EverySecond_StaysSmallAndFast() =>
        Assert.That(HealthOptions.DefaultMaxSnapshotAge(Schedule(1, "* * * * * *"), From), Is.EqualTo(TimeSpan.FromSeconds(61)));

    [Test]
    public void Read_ExplicitMinutes_OverrideTheDefault() =>
        Assert.That(Read(new() { ["Health:MaxSnapshotAgeMinutes"] = "90" }).MaxSnapshotAge, Is.EqualTo(TimeSpan.FromMinutes(90)));

    [Test]
    public void Read_CertificateWarningDaysOutOfRange_IsAProblemNamingTheKey()
    {
        var reader = Reader(new() { ["Health:CertificateWarningDays"] = "-3" });
        HealthOptions.Read(reader, Schedule(30, "0 5 * * *"), new FakeTimeProvider(From));

        Assert.That(reader.Problems, Has.One.Contains("Health.CertificateWarningDays"));
    }

    private static HealthOptions Read(Dictionary<string, string?> values) =>
        HealthOptions.Read(Reader(values), Schedule(30, "0 5 * * *"), new FakeTimeProvider(From));

    private static ConfigReader Reader(Dictionary<string, string?> values) =>
        new(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
}
