using EtcdBackupd.Reload;
using Microsoft.Extensions.Configuration;

namespace EtcdBackupd.Tests.Reload;

[Category("Fast")]
internal sealed class ConfigurationChangesTests
{
    [TestCase("Snapshots.Schedules[0]", true)]
    [TestCase("snapshots.schedules[1]", true)]
    [TestCase("Snapshots.RetentionDays", true)]
    [TestCase("Peers.Targets[2].Host", true)]
    [TestCase("Metrics.TextfilePath", true)]
    [TestCase("Logging.Level", true)]
    [TestCase("Logging.Target", false)]
    [TestCase("Snapshots.Directory", false)]
    [TestCase("Snapshots.SchedulesBackup", false)]
    [TestCase("Control.Group", false)]
    [TestCase("Control.SocketPath", false)]
    [TestCase("State.Directory", false)]
    [TestCase("Etcd.Endpoints[0]", false)]
    public void TakesEffect_SaysWhichKeysAReloadApplies(string key, bool reloadable) =>
        Assert.That(ConfigurationChanges.TakesEffect(key), Is.EqualTo(reloadable));

    [Test]
    public void Between_ListsEachChangedAddedAndRemovedKeyWithBothValues()
    {
        var before = Settings(("Snapshots.Schedules[0]", "0 5 * * *"), ("Control.Group", "root"), ("Peers.Targets[0].Host", "10.0.0.2"));
        var after = Settings(("Snapshots.Schedules[0]", "0 5 * * *"), ("Control.Group", "etcd-backupd"), ("Snapshots.RetentionDays", "10"));

        var changes = ConfigurationChanges.Between(before, after).Select(c => c.ToString());

        Assert.That(changes, Is.EqualTo(new[]
        {
            "Control.Group: 'root' -> 'etcd-backupd'",
            "Peers.Targets[0].Host: '10.0.0.2' -> unset",
            "Snapshots.RetentionDays: unset -> '10'",
        }));
    }

    [Test]
    public void InForce_KeepsTheOldValuesOfKeysThatNeedARestart()
    {
        var before = Settings(("Snapshots.Directory", "/srv/a"), ("Snapshots.Schedules[0]", "0 5 * * *"));
        var after = Settings(("Snapshots.Directory", "/srv/b"), ("Snapshots.Schedules[0]", "0 6 * * *"));

        var inForce = ConfigurationChanges.InForce(before, after);

        Assert.That(inForce, Is.EquivalentTo(Settings(("Snapshots.Directory", "/srv/a"), ("Snapshots.Schedules[0]", "0 6 * * *"))));
    }

    [Test]
    public void Settings_NameArrayEntriesAsAnOperatorWritesThem()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Peers:Targets:0:Host"] = "10.0.0.2", ["Snapshots:Schedules:1"] = "0 17 * * *" })
            .Build();

        Assert.That(ConfigurationChanges.Settings(configuration).Keys, Is.EquivalentTo(new[] { "Peers.Targets[0].Host", "Snapshots.Schedules[1]" }));
    }

    private static Dictionary<string, string> Settings(params (string Key, string Value)[] settings) =>
        settings.ToDictionary(s => s.Key, s => s.Value, StringComparer.OrdinalIgnoreCase);
}
