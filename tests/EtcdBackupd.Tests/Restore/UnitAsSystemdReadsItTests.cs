using EtcdBackupd.Protocol.Restore;
using EtcdBackupd.Restore;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Restore;

/// <summary>The etcd unit read as systemd reads it (specifiers, drop-ins), and the checks that catch a restore etcd would refuse.</summary>
[Category("Fast")]
internal sealed class UnitAsSystemdReadsItTests
{
    private static readonly UnitHost Host = new("master1", "0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210");

    /// <summary>Debian's etcd-server unit and its defaults file, with the cluster flags an operator adds.</summary>
    private const string DebianUnit = """
        [Service]
        Environment=ETCD_NAME=%H
        Environment=ETCD_DATA_DIR=/var/lib/etcd/default
        EnvironmentFile=-/etc/default/%p
        ExecStart=/usr/bin/etcd $DAEMON_ARGS
        """;

    private const string Defaults = "DAEMON_ARGS=\"--initial-cluster master1=https://10.0.0.1:2380,master2=https://10.0.0.2:2380 --initial-advertise-peer-urls https://10.0.0.1:2380 --initial-cluster-token t\"\n";

    private static Func<string, string?> Files(params (string Path, string Text)[] files) =>
        path => files.FirstOrDefault(f => f.Path == path).Text;

    private static MemberParameters Resolve(EtcdUnit unit, List<string> problems) => MemberParameters.Resolve(ConfiguredParameters.None, unit, problems);

    [Test]
    public void PercentH_InEnvironment_IsTheHostName_AndPercentP_InAnEnvironmentFilePathIsTheUnitsPrefix()
    {
        var unit = EtcdUnit.Read("/lib/systemd/system/etcd.service", Files(("/lib/systemd/system/etcd.service", DebianUnit), ("/etc/default/etcd", Defaults)), Host, []);
        var problems = new List<string>();

        var member = Resolve(unit, problems);

        Assert.That(member.Name, Is.EqualTo(new Sourced("master1", "ETCD_NAME in Environment= of /lib/systemd/system/etcd.service")));
        Assert.That(member.InitialAdvertisePeerUrls.Value, Is.EqualTo("https://10.0.0.1:2380"));
        Assert.That(problems.Concat(unit.Problems).Concat(member.Inconsistencies()), Is.Empty);
    }

    [Test]
    public void ADropIn_ThatResetsExecStart_ReplacesTheUnitsFlags_InNameOrder()
    {
        var files = Files(
            ("/etc/systemd/system/etcd.service", "[Service]\nExecStart=/usr/bin/etcd --name=old --data-dir=/old\n"),
            ("/etc/systemd/system/etcd.service.d/10-flags.conf", "[Service]\nExecStart=\nExecStart=/opt/kube/bin/etcd --name=%H --data-dir=/var/lib/etcd\n"),
            ("/etc/systemd/system/etcd.service.d/20-env.conf", "[Service]\nEnvironment=ETCD_INITIAL_CLUSTER_TOKEN=from-drop-in\n"));

        var unit = EtcdUnit.Read("/etc/systemd/system/etcd.service", files, Host,
            ["/etc/systemd/system/etcd.service.d/10-flags.conf", "/etc/systemd/system/etcd.service.d/20-env.conf"]);

        Assert.That(unit.Setting("name")?.Value, Is.EqualTo("master1"));
        Assert.That(unit.Setting("data-dir")?.Source, Is.EqualTo("--data-dir in ExecStart of /etc/systemd/system/etcd.service"));
        Assert.That(unit.Setting("data-dir")?.Value, Is.EqualTo("/var/lib/etcd"));
        Assert.That(unit.Setting("initial-cluster-token")?.Value, Is.EqualTo("from-drop-in"));
        Assert.That(unit.Executable, Is.EqualTo("/opt/kube/bin/etcd"));
    }

    [Test]
    public void ASpecifierNotExpandedHere_IsAProblemNamingIt()
    {
        var unit = EtcdUnit.Read("/etc/systemd/system/etcd.service", Files(("/etc/systemd/system/etcd.service", "[Service]\nExecStart=/usr/bin/etcd --name=%Z\n")), Host, []);

        Assert.That(unit.Problems, Is.EqualTo(new[]
        {
            "%Z in ExecStart= of /etc/systemd/system/etcd.service is a systemd specifier this restore does not expand; set the value in the configuration (Restore.*) instead",
        }));
    }

    [Test]
    public void ANameOutsideInitialCluster_OrAnotherPeerUrl_IsAProblem()
    {
        var member = new MemberParameters(new Sourced("%H", "unit"), new Sourced("a=https://10.0.0.1:2380,b=https://10.0.0.2:2380", "unit"),
            new Sourced("t", "unit"), new Sourced("https://10.0.0.1:2380", "unit"), new Sourced("/var/lib/etcd", "unit"));
        var wrongUrl = member with { Name = new Sourced("b", "unit") };

        Assert.That(member.Inconsistencies().Single(), Does.StartWith("--name '%H' (unit) is none of the names in --initial-cluster (a, b)"));
        Assert.That(wrongUrl.Inconsistencies().Single(), Does.StartWith("--initial-advertise-peer-urls https://10.0.0.1:2380 (unit) is not what --initial-cluster gives 'b' (https://10.0.0.2:2380)"));
        Assert.That((member with { Name = new Sourced("a", "unit") }).Inconsistencies(), Is.Empty);
    }

    [Test]
    public void AnInitialClusterNamingThisMemberWithoutItsUrl_IsAProblemNamingThat_NotTheName()
    {
        var member = new MemberParameters(new Sourced("b", "unit"), new Sourced("a=https://10.0.0.1:2380,b", "unit"),
            new Sourced("t", "unit"), new Sourced("https://10.0.0.2:2380", "unit"), new Sourced("/var/lib/etcd", "unit"));

        Assert.That(member.Inconsistencies().Single(), Does.StartWith("--initial-cluster (unit) names 'b' without a peer URL (NAME=URL)"));
    }

    [Test]
    public void PeerUrlsNamingTheSameAddress_OneByHostNameOneByIp_AreNoProblem_AsEtcdResolvesThem()
    {
        var member = new MemberParameters(new Sourced("a", "unit"), new Sourced("a=https://localhost:2380,b=https://10.0.0.2:2380", "unit"),
            new Sourced("t", "unit"), new Sourced("https://127.0.0.1:2380", "unit"), new Sourced("/var/lib/etcd", "unit"));

        Assert.That(member.Inconsistencies(), Is.Empty);
        Assert.That((member with { InitialAdvertisePeerUrls = new Sourced("https://127.0.0.1:2381", "unit") }).Inconsistencies(), Has.One.Contains("is not what --initial-cluster gives 'a'"));
    }

    [Test]
    public void PeerUrls_AnotherScheme_IsNotTheSameAddress_AndANameThatDoesNotResolve_CannotBeTold()
    {
        static System.Net.IPAddress[] Resolve(string host) => host == "etcd1.example"
            ? [System.Net.IPAddress.Parse("fd00::1"), System.Net.IPAddress.Parse("10.0.0.1")]
            : throw new System.Net.Sockets.SocketException(11001);

        Assert.That(PeerUrls.SameAddresses(["https://etcd1.example:2380"], ["https://10.0.0.1:2380"], Resolve), Is.True, "IPv4 first, as Go dials");
        Assert.That(PeerUrls.SameAddresses(["https://etcd9.example:2380"], ["https://10.0.0.1:2380"], Resolve), Is.Null,
            "with the resolver down after a restart, the plan must not refuse what etcd's tool checks itself");
        Assert.That(PeerUrls.SameAddresses(["http://etcd1.example:2380"], ["https://10.0.0.1:2380"], Resolve), Is.False);
    }

    [Test]
    public void TheToolBesideTheUnitsEtcd_IsChosen_AndAnotherMinorVersionIsAProblemNamingBoth()
    {
        using var dir = new TempDirectory("tool-beside");
        Fake(dir.Combine("etcd"), "etcd Version: 3.5.16");
        Fake(dir.Combine("etcdutl"), "etcdutl version: 3.4.23");
        var unit = EtcdUnit.Read("/u/etcd.service", Files(("/u/etcd.service", $"[Service]\nExecStart={dir.Combine("etcd")} --name=a\n")), Host, []);

        var tool = RestoreTool.Choose(null, unit);
        var problems = RestoreTool.Problems(tool.Value, unit.Executable, "3.3.0");

        Assert.That(tool, Is.EqualTo(new Sourced(dir.Combine("etcdutl"), $"beside {dir.Combine("etcd")}, the etcd of ExecStart in /u/etcd.service")));
        Assert.That(problems, Is.EqualTo(new[]
        {
            $"the restore tool {dir.Combine("etcdutl")} is 3.4.23, but the etcd that will run the data ({dir.Combine("etcd")}) is 3.5.16: restore with the 3.5 tool (Restore.Tool)",
            "the snapshot was taken by etcd 3.3.0; etcd 3.5.16 restores a snapshot of its own minor version or the one before",
        }));
        Assert.That(RestoreTool.Problems(tool.Value, unit.Executable, "3.4.23"), Has.Count.EqualTo(1), "a snapshot one minor older restores");
    }

    [Test]
    public void Etcd36_RestoresOnlyWithEtcdutl()
    {
        using var dir = new TempDirectory("tool-36");
        Fake(dir.Combine("etcd"), "etcd Version: 3.6.1");
        Fake(dir.Combine("etcdctl"), "etcdctl version: 3.6.1");

        var problems = RestoreTool.Problems(dir.Combine("etcdctl"), dir.Combine("etcd"), null);

        Assert.That(problems, Is.EqualTo(new[] { "etcd 3.6.1 restores only with etcdutl, not etcdctl: set Restore.Tool to etcdutl 3.6" }));
    }

    private static void Fake(string path, string version)
    {
        File.WriteAllText(path, $"#!/bin/sh\necho '{version}'\n");
        File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
    }
}
