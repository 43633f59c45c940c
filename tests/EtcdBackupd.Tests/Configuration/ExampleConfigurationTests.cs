using EtcdBackupd.Configuration;
using EtcdBackupd.Etcd;
using EtcdBackupd.Snapshots;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Configuration;

[Category("Fast")]
internal sealed class ExampleConfigurationTests
{
    [Test]
    public void ExampleConfiguration_Parses_AndOnlyMissesTheHostsFiles()
    {
        var example = Path.Combine(EtcdBinaries.RepositoryRoot(), "deploy", "etcd-backupd.example.json");
        var reader = new ConfigReader(ConfigurationLoader.Load(example));

        var etcd = EtcdOptions.Read(reader);
        SnapshotOptions.Read(reader);
        var schedule = EtcdBackupd.Schedule.ScheduleOptions.Read(reader, TimeProvider.System);
        var retention = EtcdBackupd.Retention.RetentionOptions.Read(reader);
        var peers = EtcdBackupd.Peers.PeersOptions.Read(reader, "/var/lib/etcd-backupd/snapshots");
        EtcdBackupd.Metrics.MetricsOptions.Read(reader);
        EtcdBackupd.Logging.LoggingOptions.Read(reader);
        var offsite = EtcdBackupd.Offsite.OffsiteOptions.Read(reader);

        Assert.That(etcd.Endpoints, Is.EqualTo(new[] { new Uri("https://172.17.1.20:2379") }));
        Assert.That(schedule.Schedules.Select(s => s.Text), Is.EqualTo(new[] { "0 5 * * *" }));
        Assert.That((retention.RetentionDays, retention.MinimumKept), Is.EqualTo((30, 3)));
        Assert.That(peers.Targets.Select(t => (t.Host, t.Port, t.User, t.Directory)), Is.EqualTo(new[]
        {
            ("172.17.1.21", 22, "root", "/var/lib/etcd-backupd/snapshots"),
            ("172.17.1.22", 22, "root", "/var/lib/etcd-backupd/snapshots"),
        }));
        Assert.That(offsite.Targets.Select(t => (t.Name, t.Bucket, t.Prefix)), Is.EqualTo(new[] { ("primary", "etcd-backups", "clusters/prod-1/") }));
        Assert.That(offsite.Retention, Is.EqualTo(EtcdBackupd.Offsite.OffsiteRetention.Daemon));
        // This machine is not a master: the certificate, key and credentials files and snapshot directory are the only complaints.
        Assert.That(reader.Problems, Has.All.Match(
            "^(Etcd.CaFile|Etcd.CertFile|Etcd.KeyFile|Snapshots.Directory|Peers.IdentityFile|Peers.KnownHostsFile|Offsite.Targets\\[0\\].CredentialsFile): "));
    }

    [Test]
    public void ExampleConfiguration_HoldsOnlyKnownKeys()
    {
        var example = Path.Combine(EtcdBinaries.RepositoryRoot(), "deploy", "etcd-backupd.example.json");

        Assert.That(UnknownKeyTests.UnknownKeysIn(example), Is.Empty);
    }
}
