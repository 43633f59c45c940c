using EtcdBackupd.Schedule;

namespace EtcdBackupd.Tests.Schedule;

[Category("Fast")]
internal sealed class CronScheduleTests
{
    [Test]
    public void NextAfter_InTheConfiguredZone_IsThatZonesWallClock()
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var schedule = CronSchedule.Parse("0 5 * * *", berlin);

        var next = schedule.NextAfter(new DateTimeOffset(2026, 11, 24, 0, 0, 0, TimeSpan.Zero));

        Assert.That(next, Is.EqualTo(new DateTimeOffset(2026, 11, 24, 4, 0, 0, TimeSpan.Zero)));
    }

    [Test]
    public void Parse_SixFields_IncludesSeconds()
    {
        var schedule = CronSchedule.Parse("*/15 * * * * *", TimeZoneInfo.Utc);

        var next = schedule.NextAfter(new DateTimeOffset(2026, 11, 24, 0, 0, 1, TimeSpan.Zero));

        Assert.That(next, Is.EqualTo(new DateTimeOffset(2026, 11, 24, 0, 0, 15, TimeSpan.Zero)));
    }

    [Test]
    public void LastAtOrBefore_FindsYesterdaysOccurrence()
    {
        var schedule = CronSchedule.Parse("0 5 * * *", TimeZoneInfo.Utc);

        var last = schedule.LastAtOrBefore(new DateTimeOffset(2026, 11, 24, 4, 59, 0, TimeSpan.Zero));

        Assert.That(last, Is.EqualTo(new DateTimeOffset(2026, 11, 23, 5, 0, 0, TimeSpan.Zero)));
    }

    [Test]
    public void LastAtOrBefore_MonthlySchedule_LooksBackFarEnough()
    {
        var schedule = CronSchedule.Parse("0 5 1 * *", TimeZoneInfo.Utc);

        var last = schedule.LastAtOrBefore(new DateTimeOffset(2026, 11, 24, 0, 0, 0, TimeSpan.Zero));

        Assert.That(last, Is.EqualTo(new DateTimeOffset(2026, 11, 1, 5, 0, 0, TimeSpan.Zero)));
    }

    [Test]
    public void PeriodAt_DailySchedule_IsOneDay() =>
        Assert.That(CronSchedule.Parse("0 5 * * *", TimeZoneInfo.Utc).PeriodAt(new DateTimeOffset(2026, 11, 24, 5, 0, 0, TimeSpan.Zero)),
            Is.EqualTo(TimeSpan.FromDays(1)));
}
