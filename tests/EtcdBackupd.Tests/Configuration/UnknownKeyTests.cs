using EtcdBackupd.Configuration;
using EtcdBackupd.Hosting;

namespace EtcdBackupd.Tests.Configuration;

/// <summary>Keys in the file that no section reads: each refused by name, with the key most likely meant.</summary>
[Category("Fast")]
internal sealed class UnknownKeyTests
{
    [Test]
    public void CheckKeys_AMisspeltKey_SuggestsTheKeyMeant()
    {
        var problems = UnknownKeys("""{ "Snapshots": { "RetentionDay": 5 } }""");

        Assert.That(problems, Is.EqualTo(new[] { "Snapshots.RetentionDay: is not a known key; did you mean Snapshots.RetentionDays?" }));
    }

    [Test]
    public void CheckKeys_AMisspeltSection_SuggestsTheSectionMeantForEachKey()
    {
        var problems = UnknownKeys("""{ "Snapshot": { "Directory": "/srv/backups", "RetentionDays": 5 } }""");

        Assert.That(problems, Is.EqualTo(new[]
        {
            "Snapshot.Directory: is not a known key; did you mean Snapshots.Directory?",
            "Snapshot.RetentionDays: is not a known key; did you mean Snapshots.RetentionDays?",
        }));
    }

    [Test]
    public void CheckKeys_AKeyInTheWrongSection_SuggestsItsSection()
    {
        var problems = UnknownKeys("""{ "Snapshots": { "DialTimeoutSeconds": 5 } }""");

        Assert.That(problems, Is.EqualTo(new[] { "Snapshots.DialTimeoutSeconds: is not a known key; did you mean Etcd.DialTimeoutSeconds?" }));
    }

    [Test]
    public void CheckKeys_NothingNear_ListsWhatTheSectionHolds()
    {
        var problems = UnknownKeys("""{ "Control": { "Frobnicate": 1 }, "Nonsense": { "Entirely": 1 } }""");

        Assert.That(problems, Is.EqualTo(new[]
        {
            "Control.Frobnicate: is not a known key; Control holds SocketPath, Group, IdleSeconds, RequestSeconds, WriteSeconds, "
                + "ConnectionsPerUser, MaxConnections, RootConnections, SnapshotIntervalSeconds",
            "Nonsense.Entirely: is not a known key; the sections are Etcd, Snapshots, Peers, Control, Restore, Metrics, Logging, State, Health, Offsite",
        }));
    }

    [Test]
    public void CheckKeys_EveryKeyTheSectionsRead_InAnyCase_IsKnown()
    {
        var problems = UnknownKeys("""
            {
              "etcd": { "ENDPOINTS": ["https://10.0.0.1:2379"], "CaFile": "/ca.pem", "CertFile": "/c.pem", "KeyFile": "/k.pem", "DialTimeoutSeconds": 5 },
              "Snapshots": { "Directory": "/srv", "Schedules": ["0 5 * * *"], "TimeZone": "UTC", "TakenBy": "leader",
                             "FollowerGraceMinutes": 30, "retentiondays": 30, "MinimumKept": 3 },
              "Peers": { "IdentityFile": "/id", "KnownHostsFile": "/kh", "Parallelism": 4, "Attempts": 3, "TimeoutSeconds": 900, "ConnectTimeoutSeconds": 10, "RetrySeconds": 300,
                         "Targets": [ { "Host": "10.0.0.2", "Port": 22, "User": "root", "Directory": "/srv", "ControlSocket": "/run/x.sock",
                                        "Backupctl": "etcd-backupctl", "TrustOnFirstUse": false, "Prune": false } ] },
              "Control": { "SocketPath": "/run/etcd-backupd/control.sock", "Group": "root", "IdleSeconds": 30 },
              "Restore": { "Name": "m1", "InitialCluster": "m1=https://10.0.0.1:2380", "InitialClusterToken": "t", "InitialAdvertisePeerUrls": "https://10.0.0.1:2380",
                           "DataDir": "/var/lib/etcd", "Tool": "etcdutl", "EtcdUnit": "etcd.service", "UnitFile": "/etc/systemd/system/etcd.service",
                           "ApiServerUnits": ["kube-apiserver.service"], "ServiceControl": "systemd", "BumpRevision": 0, "HealthTimeoutSeconds": 120 },
              "Metrics": { "TextfilePath": "off" },
              "Logging": { "Target": "console", "Level": "debug", "JournalSocket": "/run/systemd/journal/socket" }
            }
            """);

        Assert.That(problems, Is.Empty);
    }

    [Test]
    public void CheckKeys_UnitNamesUnderRestoreCommands_AreNamesNotKeys()
    {
        var problems = UnknownKeys("""
            { "Restore": { "ServiceControl": "systemd", "Commands": {
                "etcd.service": { "Start": "s", "Stop": "t", "IsActive": "a" },
                "kube-apiserver.service": { "Start": "s", "Stop": "t", "IsActive": "a" } } } }
            """);

        Assert.That(problems, Is.Empty);
    }

    [Test]
    public void CheckKeys_AMisspeltFieldUnderAUnit_IsRefusedEvenInSystemdMode()
    {
        var problems = UnknownKeys("""{ "Restore": { "Commands": { "etcd.service": { "Start": "s", "Stopp": "t", "IsActive": "a" } } } }""");

        Assert.That(problems, Is.EqualTo(new[]
        {
            "Restore.Commands[\"etcd.service\"].Stopp: is not a known key; did you mean Restore.Commands[\"etcd.service\"].Stop?",
        }));
    }

    [Test]
    public void CheckKeys_AMisspeltFieldOfTheSecondTarget_NamesThatTarget()
    {
        var problems = UnknownKeys("""{ "Peers": { "Targets": [ { "Host": "10.0.0.2" }, { "Hots": "10.0.0.3" } ] } }""");

        Assert.That(problems, Is.EqualTo(new[] { "Peers.Targets[1].Hots: is not a known key; did you mean Peers.Targets[1].Host?" }));
    }

    [Test]
    public void CheckKeys_AValueWhereASectionBelongs_IsRefused()
    {
        var problems = UnknownKeys("""{ "Peers": "10.0.0.2", "Metrics": {}, "Logging": null }""");

        Assert.That(problems, Is.EqualTo(new[] { "Peers: is a section, not a value: it holds keys such as Peers.Targets[0].Host" }));
    }

    [Test]
    public void Load_AnUnknownKeyAndABadValue_AreReportedTogether()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, """{ "Snapshots": { "MinimumKep": 3, "RetentionDays": -1 } }""");

            var error = Assert.Throws<ConfigurationException>(() => DaemonConfiguration.Load(file, TimeProvider.System));

            Assert.That(error!.Problems, Has.Some.EqualTo("Snapshots.RetentionDays: '-1' is not a whole number from 1 to 3650")
                .And.Some.EqualTo("Snapshots.MinimumKep: is not a known key; did you mean Snapshots.MinimumKept?"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>What <see cref="ConfigReader.CheckKeys"/> adds once every section has read <paramref name="json"/>.</summary>
    internal static List<string> UnknownKeys(string json)
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, json);
            return UnknownKeysIn(file);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>What <see cref="ConfigReader.CheckKeys"/> adds once every section has read <paramref name="file"/>.</summary>
    internal static List<string> UnknownKeysIn(string file)
    {
        var reader = new ConfigReader(ConfigurationLoader.Load(file));
        DaemonConfiguration.Read(reader, TimeProvider.System);
        var read = reader.Problems.Count;

        reader.CheckKeys();

        return reader.Problems.Skip(read).ToList();
    }
}
