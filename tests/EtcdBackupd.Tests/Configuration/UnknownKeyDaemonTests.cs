using System.Text.Json.Nodes;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Configuration;

/// <summary>The real programs refuse a key they do not know, before anything is attempted, as any bad configuration.</summary>
[Parallelizable(ParallelScope.None)]
internal sealed class UnknownKeyDaemonTests
{
    [Test]
    [CancelAfter(60_000)]
    public async Task Daemon_WithAMisspeltKey_ExitsTwoSuggestingTheKeyMeant()
    {
        using var dir = new TempDirectory("unknownkey");
        var config = Backupd.ConfigWithoutEtcd(dir);
        config["Snapshots"]!["RetentionDay"] = 5;

        var result = await Backupd.RunDaemonAsync(Backupd.WriteConfig(dir.Combine("config.json"), config));

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString);
        Assert.That(result.StandardError, Does.Contain("Snapshots.RetentionDay: is not a known key; did you mean Snapshots.RetentionDays?"));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Daemon_WithAMisspeltVariable_ExitsTwoSuggestingTheVariableMeant()
    {
        using var dir = new TempDirectory("unknownvariable");
        var config = Backupd.WriteConfig(dir.Combine("config.json"), Backupd.ConfigWithoutEtcd(dir));

        var result = await Backupd.RunDaemonAsync(config, new Dictionary<string, string> { ["ETCD_BACKUPD_Snapshot__Directory"] = dir.Path });

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString);
        Assert.That(result.StandardError, Does.Contain(
            "ETCD_BACKUPD_Snapshot__Directory: Snapshot.Directory is not a known key; did you mean Snapshots.Directory (ETCD_BACKUPD_Snapshots__Directory)?"));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Snapshot_WithAMisspeltKey_ExitsTwoNamingOnlyThatKey()
    {
        using var dir = new TempDirectory("unknownkey-snapshot");
        var config = Backupd.ConfigWithoutEtcd(dir);
        config["Snapshots"]!["MinimumKep"] = 3;
        // Sections the snapshot command does not read are known all the same: the daemon reads them.
        config["Restore"] = new JsonObject { ["ServiceControl"] = "systemd", ["HealthTimeoutSeconds"] = 60 };

        var result = await Backupd.SnapshotAsync(Backupd.WriteConfig(dir.Combine("config.json"), config));

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString);
        Assert.That(result.StandardError, Is.EqualTo(
            "etcd-backupd: invalid configuration:\n  Snapshots.MinimumKep: is not a known key; did you mean Snapshots.MinimumKept?\n"));
    }
}
