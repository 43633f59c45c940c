using System.Text.Json.Nodes;
using EtcdBackupd.Hosting;
using EtcdBackupd.Reload;
using EtcdBackupd.Tests.Support;
using Serilog.Core;
using Serilog.Events;

namespace EtcdBackupd.Tests.Reload;

/// <summary>What a reload puts in force, from configuration files read as the daemon reads them: no daemon, no etcd.</summary>
[Category("Fast")]
internal sealed class LiveConfigurationTests
{
    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory("live-configuration");

    [TearDown]
    public void TearDown() => _dir.Dispose();

    [Test]
    public void Apply_ANewScheduleAndSocketPath_PutsTheScheduleInForceAndKeepsTheSocketPath()
    {
        var level = new LoggingLevelSwitch();
        var live = new LiveConfiguration(_dir.Combine("config.json"), Load(_ => { }), level);
        var woken = live.Schedule.Changed;

        var (applied, needRestart) = live.Apply(Load(config =>
        {
            config["Snapshots"]!["Schedules"] = new JsonArray("0 6 * * *");
            config["Control"]!["SocketPath"] = _dir.Combine("other.sock");
            config["Logging"]!["Level"] = "debug";
        }));

        Assert.That(applied.Select(c => c.Key), Is.EqualTo(new[] { "Logging.Level", "Snapshots.Schedules[0]" }));
        Assert.That(needRestart.Select(c => c.Key), Is.EqualTo(new[] { "Control.SocketPath" }));
        Assert.That(live.Schedule.Current.Schedules.Select(s => s.Text), Is.EqualTo(new[] { "0 6 * * *" }));
        Assert.That(live.Current.Control.SocketPath, Is.EqualTo(_dir.Combine("control.sock")));
        Assert.That((woken.IsCompleted, level.MinimumLevel), Is.EqualTo((true, LogEventLevel.Debug)));
    }

    [Test]
    public void Apply_HourlyInsteadOfDaily_MovesTheDefaultHealthThresholdButNotASetOne()
    {
        var defaulted = new LiveConfiguration(_dir.Combine("config.json"), Load(_ => { }), new LoggingLevelSwitch());
        var set = new LiveConfiguration(_dir.Combine("config.json"), Load(c => c["Health"] = new JsonObject { ["MaxSnapshotAgeMinutes"] = 2000 }), new LoggingLevelSwitch());
        var daily = defaulted.Health.Current.MaxSnapshotAge;

        defaulted.Apply(Load(c => c["Snapshots"]!["Schedules"] = new JsonArray("0 * * * *")));
        set.Apply(Load(c =>
        {
            c["Snapshots"]!["Schedules"] = new JsonArray("0 * * * *");
            c["Health"] = new JsonObject { ["MaxSnapshotAgeMinutes"] = 2000 };
        }));

        Assert.That(daily, Is.GreaterThan(TimeSpan.FromHours(24)));
        Assert.That(defaulted.Health.Current.MaxSnapshotAge, Is.LessThan(TimeSpan.FromHours(2)), "an hour's gap and the follower's grace");
        Assert.That(set.Health.Current.MaxSnapshotAge, Is.EqualTo(TimeSpan.FromMinutes(2000)), "a threshold the operator set stays");
    }

    [Test]
    public void Apply_AThresholdAddedToTheFile_IsNamedAsNeedingARestart_AndTheDefaultStaysInForce()
    {
        var live = new LiveConfiguration(_dir.Combine("config.json"), Load(_ => { }), new LoggingLevelSwitch());
        var daily = live.Health.Current.MaxSnapshotAge;

        var (applied, needRestart) = live.Apply(Load(c => c["Health"] = new JsonObject { ["MaxSnapshotAgeMinutes"] = 5 }));

        Assert.That(needRestart.Select(c => c.Key), Is.EqualTo(new[] { "Health.MaxSnapshotAgeMinutes" }));
        Assert.That(applied, Is.Empty);
        Assert.That(live.Health.Current.MaxSnapshotAge, Is.EqualTo(daily), "what the reload said: not in force until a restart");
    }

    [Test]
    public void Apply_TheSameFileAgain_ChangesNothingAndKeepsNamingAKeyThatStillNeedsARestart()
    {
        var live = new LiveConfiguration(_dir.Combine("config.json"), Load(_ => { }), new LoggingLevelSwitch());
        void MoveSocket(JsonObject config) => config["Control"]!["SocketPath"] = _dir.Combine("other.sock");
        live.Apply(Load(MoveSocket));

        var (applied, needRestart) = live.Apply(Load(MoveSocket));

        Assert.That(applied, Is.Empty);
        Assert.That(needRestart.Select(c => c.Key), Is.EqualTo(new[] { "Control.SocketPath" }), "the running daemon still has the old socket");
    }

    /// <summary>The configuration file, written with <paramref name="change"/> and read as a start or reload reads it.</summary>
    private DaemonConfiguration Load(Action<JsonObject> change)
    {
        var config = Backupd.ConfigWithoutEtcd(_dir);
        config["Snapshots"]!["Schedules"] = new JsonArray("0 5 * * *");
        config["State"] = new JsonObject { ["Directory"] = _dir.Combine("state") };
        change(config);
        return DaemonConfiguration.Load(Backupd.WriteConfig(_dir.Combine("config.json"), config), TimeProvider.System);
    }
}
