using EtcdBackupctl;
using EtcdBackupd.Protocol.Tables;

namespace EtcdBackupd.Tests.Cli;

/// <summary>Times in tables: the UTC time to the minute and its age in one rounded unit, past or to come.</summary>
[Category("Fast")]
internal sealed class AgeTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 8, 0, 0, TimeSpan.Zero);

    [TestCase(0, "now")]
    [TestCase(0.4, "now")]
    [TestCase(0.5, "1 s ago")]
    [TestCase(59, "59 s ago")]
    [TestCase(119.4, "119 s ago")]
    [TestCase(119.5, "2 min ago")]
    [TestCase(149, "2 min ago")]
    [TestCase(150, "3 min ago")]
    [TestCase(59 * 60, "59 min ago")]
    [TestCase(119 * 60 + 29, "119 min ago")]
    [TestCase(119 * 60 + 30, "2 h ago")]
    [TestCase(3 * 3600 + 29 * 60, "3 h ago")]
    [TestCase(3 * 3600 + 30 * 60, "4 h ago")]
    [TestCase(47 * 3600 + 29 * 60, "47 h ago")]
    [TestCase(47 * 3600 + 30 * 60, "2 days ago")]
    [TestCase(29 * 86400 + 11 * 3600, "29 days ago")]
    [TestCase(29 * 86400 + 12 * 3600, "30 days ago")]
    [TestCase(-300, "in 5 min")]
    [TestCase(-1, "in 1 s")]
    [TestCase(-21 * 3600, "in 21 h")]
    [TestCase(-200 * 86400, "in 200 days")]
    public void Age_SecondsBeforeNow_ReadsAsPeopleSayIt(double secondsAgo, string expected)
    {
        Assert.That(When.Age(Now.AddSeconds(-secondsAgo), Now), Is.EqualTo(expected));
    }

    [Test]
    public void Format_Narrow_IsTheUtcMinuteAndTheAge()
    {
        var local = new DateTimeOffset(2026, 11, 25, 13, 0, 42, TimeSpan.FromHours(8));

        Assert.That(When.Format(local, new View(Now, Wide: false)), Is.EqualTo("2026-11-25 05:00 UTC, 3 h ago"));
    }

    [Test]
    public void Format_Wide_HasTheSeconds()
    {
        Assert.That(When.Format(Now.AddMinutes(5).AddSeconds(7), new View(Now, Wide: true)), Is.EqualTo("2026-11-25 08:05:07 UTC, in 5 min"));
    }

    [TestCase(1023L, "1023 B")]
    [TestCase(20480L, "20.0 KiB")]
    [TestCase(129_394_688L, "123.4 MiB")]
    [TestCase(8_123_456_789L, "7.6 GiB")]
    public void Size_Narrow_IsInTheLargestUnit(long bytes, string expected)
    {
        Assert.That(Size.Format(bytes, new View(Now, Wide: false)), Is.EqualTo(expected));
    }

    [Test]
    public void Size_Wide_HasTheExactBytes()
    {
        Assert.That(Size.Format(129_394_688, new View(Now, Wide: true)), Is.EqualTo("123.4 MiB (129394688 bytes)"));
    }
}
