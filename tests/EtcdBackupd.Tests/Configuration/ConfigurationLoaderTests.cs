using EtcdBackupd.Configuration;
using EtcdBackupd.Etcd;
using EtcdBackupd.Snapshots;

using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Configuration;

[NonParallelizable]
[Category("Fast")]
internal sealed class ConfigurationLoaderTests
{
    [Test]
    public void Load_EnvironmentVariable_OverridesTheFile()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, """{ "Etcd": { "Endpoints": ["http://127.0.0.1:2379"] }, "Snapshots": { "Directory": "/nonexistent" } }""");
            Environment.SetEnvironmentVariable("ETCD_BACKUPD_Snapshots__Directory", Path.GetTempPath());
            Environment.SetEnvironmentVariable("ETCD_BACKUPD_Etcd__Endpoints__0", "https://10.0.0.1:2379");

            var reader = new ConfigReader(ConfigurationLoader.Load(file));
            var snapshots = SnapshotOptions.Read(reader);
            var etcd = EtcdOptions.Read(reader);

            Assert.That(reader.Problems, Is.Empty);
            Assert.That(snapshots.Directory, Is.EqualTo(Path.GetFullPath(Path.GetTempPath())));
            Assert.That(etcd.Endpoints, Is.EqualTo(new[] { new Uri("https://10.0.0.1:2379") }));
        }
        finally
        {
            Environment.SetEnvironmentVariable("ETCD_BACKUPD_Snapshots__Directory", null);
            Environment.SetEnvironmentVariable("ETCD_BACKUPD_Etcd__Endpoints__0", null);
            File.Delete(file);
        }
    }

    private static ConfigReader Read(string json)
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, json);
            return new ConfigReader(ConfigurationLoader.Load(file));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    public void Read_AnEmptyApiServerUnitsArray_IsAnEtcdOnlyMasterNotAProblem()
    {
        var reader = Read("""{ "Restore": { "ApiServerUnits": [] } }""");

        var restore = EtcdBackupd.Restore.RestoreOptions.Read(reader);

        Assert.That(reader.Problems, Is.Empty);
        Assert.That(restore.ApiServerUnits, Is.Empty);
    }

    [Test]
    public void Read_RestoreUnitTimeoutSeconds_IsTakenInRangeAndNamedWhenOutOfIt()
    {
        var unset = Read("""{ "Restore": { } }""");
        var set = Read("""{ "Restore": { "UnitTimeoutSeconds": 900 } }""");
        var tooShort = Read("""{ "Restore": { "UnitTimeoutSeconds": 1 } }""");

        Assert.That(EtcdBackupd.Restore.RestoreOptions.Read(unset).UnitTimeout, Is.EqualTo(TimeSpan.FromSeconds(300)));
        Assert.That(EtcdBackupd.Restore.RestoreOptions.Read(set).UnitTimeout, Is.EqualTo(TimeSpan.FromSeconds(900)));
        EtcdBackupd.Restore.RestoreOptions.Read(tooShort);
        Assert.That(tooShort.Problems, Is.EqualTo(new[] { "Restore.UnitTimeoutSeconds: '1' is not a whole number from 5 to 86400" }));
    }

    [Test]
    public void Read_AnEmptyScheduleList_SaysThatNoSnapshotWouldEverBeTaken()
    {
        var reader = Read("""{ "Snapshots": { "Schedules": [] } }""");

        EtcdBackupd.Schedule.ScheduleOptions.Read(reader, TimeProvider.System);

        Assert.That(reader.Problems, Has.Exactly(1).StartsWith("Snapshots.Schedules: is an empty list: a daemon with no schedule never takes a snapshot"));
    }

    [Test]
    public void Read_SchedulesNoDateMatches_AreRefused_ButOneBesideAScheduleThatFiresIsNot()
    {
        var never = Read("""{ "Snapshots": { "Schedules": ["0 5 31 2 *", "0 5 30 2 *"] } }""");
        var beside = Read("""{ "Snapshots": { "Schedules": ["0 5 * * *", "0 5 31 2 *"] } }""");

        EtcdBackupd.Schedule.ScheduleOptions.Read(never, TimeProvider.System);
        EtcdBackupd.Schedule.ScheduleOptions.Read(beside, TimeProvider.System);

        Assert.That(never.Problems, Is.EqualTo(new[] { "Snapshots.Schedules: no expression ever fires (no date matches '0 5 31 2 *', '0 5 30 2 *', as February 31st): no scheduled snapshot would ever be taken" }));
        Assert.That(beside.Problems, Is.Empty, "a configuration that ran before still starts; the scheduler logs the one that never fires");
    }

    [Test]
    public void Load_AJsonSyntaxError_NamesItsLineAndColumn()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "{\n  \"Etcd\": {\n    \"Endpoints\": [\"https://10.0.0.1:2379\" \"https://10.0.0.2:2379\"]\n  }\n}\n");

            var error = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.Load(file));

            Assert.That(error!.Problems.Single(), Is.EqualTo(
                $"configuration file '{file}' is not valid JSON: line 3, column 43: \"Endpoints\": [\"https://10.0.0.1:2379\" \"https://10.0.0.2:2379\"]"));
            Assert.That(error.InnerException, Is.Not.Null, "the parser's own words stay for the journal's EXCEPTION field");
        }
        finally
        {
            File.Delete(file);
        }
    }

    [TestCase("{\n  \"Snapshots\": {\n    \"Directory\": x\n  }\n}\n", "line 3, column 18: \"Directory\": x")]
    [TestCase("{\n  \"Snapshots\": {\n    \"Directory\": \"/srv\"\n", "line 4: the file ends before the JSON is complete")]
    public void Load_AJsonSyntaxError_SaysWhereInWordsWithoutTheParsersText(string json, string expected)
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, json);

            var error = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.Load(file));

            Assert.That(error!.Problems.Single(), Does.StartWith($"configuration file '{file}' is not valid JSON: {expected}")
                .And.Not.Contain("invalid start of a value").And.Not.Contain("Path: $").And.Not.Contain("BytePositionInLine")
                .And.Not.Match(OperatorText.DotNetNames().ToString()));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    public void Read_SeveralProblems_ReportsEveryOneByKey()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, """{ "Etcd": { "Endpoints": ["ftp://x"], "CertFile": "/nonexistent.pem" } }""");
            var reader = new ConfigReader(ConfigurationLoader.Load(file));
            EtcdOptions.Read(reader);
            SnapshotOptions.Read(reader);

            var error = Assert.Throws<ConfigurationException>(reader.ThrowIfAny);

            Assert.That(error!.Problems, Has.Some.StartsWith("Etcd.Endpoints[0]:")
                .And.Some.StartsWith("Etcd.CertFile: file '/nonexistent.pem' does not exist")
                .And.Some.StartsWith("Snapshots.Directory: is required"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    public void Read_BadPeerTargets_NameTheTargetAndKey()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, """
                { "Peers": { "Targets": [ { "Host": "10.0.0.2", "Directory": "relative/dir" }, { "Host": "10.0.0.3", "Port": 70000 }, { "User": "root" } ] } }
                """);
            var reader = new ConfigReader(ConfigurationLoader.Load(file));

            EtcdBackupd.Peers.PeersOptions.Read(reader, "/var/lib/etcd-backupd");

            Assert.That(reader.Problems, Is.EquivalentTo(new[]
            {
                "Peers.Targets[0].Directory: 'relative/dir' must be an absolute path",
                "Peers.Targets[1].Port: '70000' is not a whole number from 1 to 65535",
                "Peers.Targets[2].Host: is required (for example 10.0.0.2)",
                "Peers.IdentityFile: is required when Peers.Targets is set (an OpenSSH private key)",
                "Peers.KnownHostsFile: is required when Peers.Targets is set: peers' host keys are pinned",
            }));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
