using EtcdBackupd.Protocol.Restore;
using EtcdBackupd.Restore;

namespace EtcdBackupd.Tests.Restore;

/// <summary>The member's restore flags, read from etcd units as operators write them.</summary>
[Category("Fast")]
internal sealed class MemberParametersTests
{
    /// <summary>The runbook's unit, as it is on master01.</summary>
    private const string RunbookUnit = """
        [Unit]
        Description=Etcd Server
        After=network.target

        [Service]
        Type=notify
        WorkingDirectory=/var/lib/etcd/
        ExecStart=/opt/kube/bin/etcd \
          --name=etcd-172.17.1.20 \
          --cert-file=/etc/kubernetes/ssl/etcd.pem \
          --initial-advertise-peer-urls=https://172.17.1.20:2380 \
          --listen-peer-urls=https://172.17.1.20:2380 \
          --initial-cluster-token=etcd-cluster-0 \
          --initial-cluster=etcd-172.17.1.20=https://172.17.1.20:2380,etcd-172.17.1.21=https://172.17.1.21:2380,etcd-172.17.1.22=https://172.17.1.22:2380 \
          --initial-cluster-state=new \
          --data-dir=/var/lib/etcd \
          --snapshot-count=50000
        Restart=always
        """;

    private static Func<string, string?> Files(params (string Path, string Text)[] files) =>
        path => files.FirstOrDefault(f => f.Path == path).Text;

    [Test]
    public void Resolve_TheRunbooksUnit_GivesEveryFlagTheRunbookTyped()
    {
        var unit = EtcdUnit.Read("/etc/systemd/system/etcd.service", Files(("/etc/systemd/system/etcd.service", RunbookUnit)));
        var problems = new List<string>();

        var member = MemberParameters.Resolve(ConfiguredParameters.None, unit, problems);

        Assert.That(problems, Is.Empty);
        Assert.That(member.Name, Is.EqualTo(new Sourced("etcd-172.17.1.20", "--name in ExecStart of /etc/systemd/system/etcd.service")));
        Assert.That(member.InitialCluster.Value, Is.EqualTo(
            "etcd-172.17.1.20=https://172.17.1.20:2380,etcd-172.17.1.21=https://172.17.1.21:2380,etcd-172.17.1.22=https://172.17.1.22:2380"));
        Assert.That(member.InitialClusterToken.Value, Is.EqualTo("etcd-cluster-0"));
        Assert.That(member.InitialAdvertisePeerUrls.Value, Is.EqualTo("https://172.17.1.20:2380"));
        Assert.That(member.DataDir.Value, Is.EqualTo("/var/lib/etcd"));
    }

    [Test]
    public void Resolve_ConfiguredValue_WinsAndSaysSo()
    {
        var unit = EtcdUnit.Read("/etc/systemd/system/etcd.service", Files(("/etc/systemd/system/etcd.service", RunbookUnit)));

        var member = MemberParameters.Resolve(ConfiguredParameters.None with { DataDir = "/data/etcd" }, unit, []);

        Assert.That(member.DataDir, Is.EqualTo(new Sourced("/data/etcd", "Restore.DataDir in the configuration")));
    }

    [Test]
    public void Resolve_DebianStyleUnit_ReadsTheEnvironmentFile()
    {
        const string unitText = """
            [Service]
            Type=notify
            EnvironmentFile=-/etc/default/%p
            ExecStart=/usr/bin/etcd $DAEMON_ARGS
            """;
        const string defaults = """
            # etcd settings
            ETCD_NAME="master-2"
            ETCD_DATA_DIR=/var/lib/etcd/default
            ETCD_INITIAL_CLUSTER="master-1=http://10.0.0.1:2380,master-2=http://10.0.0.2:2380"
            ETCD_INITIAL_CLUSTER_TOKEN=k8s
            ETCD_INITIAL_ADVERTISE_PEER_URLS=http://10.0.0.2:2380
            DAEMON_ARGS="--snapshot-count 10000"
            """;
        var unit = EtcdUnit.Read("/lib/systemd/system/etcd.service", Files(("/lib/systemd/system/etcd.service", unitText), ("/etc/default/etcd", defaults)));
        var problems = new List<string>();

        var member = MemberParameters.Resolve(ConfiguredParameters.None, unit, problems);

        Assert.That(problems, Is.Empty);
        Assert.That(member.Name, Is.EqualTo(new Sourced("master-2", "ETCD_NAME in EnvironmentFile /etc/default/etcd")));
        Assert.That(member.InitialCluster.Value, Is.EqualTo("master-1=http://10.0.0.1:2380,master-2=http://10.0.0.2:2380"));
        Assert.That(member.DataDir.Value, Is.EqualTo("/var/lib/etcd/default"));
    }

    [Test]
    public void Resolve_ConfigFile_IsWhatEtcdReadsInsteadOfFlags()
    {
        const string unitText = """
            [Service]
            Environment="CONFIG=/etc/etcd/etcd.yml"
            ExecStart=/usr/local/bin/etcd --config-file ${CONFIG} --name ignored-by-etcd
            """;
        const string yaml = """
            name: m3
            data-dir: /srv/etcd
            initial-cluster: 'm1=https://10.0.0.1:2380,m3=https://10.0.0.3:2380'
            initial-cluster-token: tok
            initial-advertise-peer-urls: https://10.0.0.3:2380
            client-transport-security:
              cert-file: /etc/etcd/server.pem
            """;
        var unit = EtcdUnit.Read("/etc/systemd/system/etcd.service", Files(("/etc/systemd/system/etcd.service", unitText), ("/etc/etcd/etcd.yml", yaml)));

        var member = MemberParameters.Resolve(ConfiguredParameters.None, unit, []);

        Assert.That(member.Name, Is.EqualTo(new Sourced("m3", "name in --config-file /etc/etcd/etcd.yml")));
        Assert.That(member.InitialCluster.Value, Is.EqualTo("m1=https://10.0.0.1:2380,m3=https://10.0.0.3:2380"));
        Assert.That(member.DataDir.Value, Is.EqualTo("/srv/etcd"));
    }

    [Test]
    public void Resolve_RelativeDataAndWalDirectories_AreWithinTheUnitsWorkingDirectory_WhereEtcdOpensThem()
    {
        const string unitText = """
            [Service]
            WorkingDirectory=/var/lib/etcd/
            ExecStart=/usr/bin/etcd --name m1 --data-dir=m1.etcd --wal-dir ../etcd-wal/m1
            """;
        var unit = EtcdUnit.Read("/etc/systemd/system/etcd.service", Files(("/etc/systemd/system/etcd.service", unitText)));

        var member = MemberParameters.Resolve(ConfiguredParameters.None, unit, []);

        Assert.That(member.DataDir, Is.EqualTo(new Sourced("/var/lib/etcd/m1.etcd",
            "--data-dir in ExecStart of /etc/systemd/system/etcd.service, relative to WorkingDirectory=/var/lib/etcd/ of /etc/systemd/system/etcd.service")));
        Assert.That(member.WalDir?.Value, Is.EqualTo("/var/lib/etcd-wal/m1"));
    }

    [Test]
    public void Resolve_ARelativeDataDirectory_WithoutWorkingDirectory_IsWithinTheRoot_AsSystemdRunsTheUnitThere()
    {
        var unit = EtcdUnit.Read("/etc/systemd/system/etcd.service", Files(("/etc/systemd/system/etcd.service", "[Service]\nExecStart=/usr/bin/etcd --data-dir default.etcd\n")));

        var member = MemberParameters.Resolve(ConfiguredParameters.None, unit, []);

        Assert.That(member.DataDir.Value, Is.EqualTo("/default.etcd"));
        Assert.That(member.DataDir.Source, Does.EndWith("relative to /, where systemd runs a unit without WorkingDirectory="));
    }

    [Test]
    public void WorkingDirectory_Tilde_IsTheUsersHome_AndOneThatMayBeMissingAndIs_IsTheRoot()
    {
        var home = File.ReadLines("/etc/passwd").Select(l => l.Split(':')).First(f => f[0] == "nobody")[5];
        EtcdUnit Unit(string settings) =>
            EtcdUnit.Read("/etc/systemd/system/etcd.service", Files(("/etc/systemd/system/etcd.service", $"[Service]\n{settings}\nExecStart=/usr/bin/etcd\n")));

        Assert.That(Unit("User=nobody\nWorkingDirectory=~").WorkingDirectory.Value, Is.EqualTo(home));
        Assert.That(Unit("WorkingDirectory=~").WorkingDirectory.Value, Is.EqualTo("/root"));
        Assert.That(Unit("WorkingDirectory=-/nonexistent/etcd").WorkingDirectory.Value, Is.EqualTo("/"));
        Assert.That(Unit("WorkingDirectory=-/tmp").WorkingDirectory.Value, Is.EqualTo("/tmp"));
        Assert.That(Unit("WorkingDirectory=/srv\nWorkingDirectory=").WorkingDirectory.Value, Is.EqualTo("/"), "an empty assignment resets");
    }

    [Test]
    public void Resolve_ARelativeConfigFile_IsReadFromTheUnitsWorkingDirectory()
    {
        const string unitText = """
            [Service]
            WorkingDirectory=/etc/etcd
            ExecStart=/usr/local/bin/etcd --config-file etcd.yml
            """;
        var unit = EtcdUnit.Read("/etc/systemd/system/etcd.service", Files(("/etc/systemd/system/etcd.service", unitText), ("/etc/etcd/etcd.yml", "name: m3\ndata-dir: data\n")));

        var member = MemberParameters.Resolve(ConfiguredParameters.None, unit, []);

        Assert.That(member.Name.Value, Is.EqualTo("m3"));
        Assert.That(member.DataDir.Value, Is.EqualTo("/etc/etcd/data"));
    }

    [Test]
    public void Resolve_NothingAnywhere_NamesEveryMissingKey()
    {
        var unit = EtcdUnit.Read("/etc/systemd/system/etcd.service", Files(("/etc/systemd/system/etcd.service", "[Service]\nExecStart=/usr/bin/etcd\n")));
        var problems = new List<string>();

        MemberParameters.Resolve(ConfiguredParameters.None, unit, problems);

        Assert.That(problems, Has.Count.EqualTo(5).And.Some.StartsWith("Restore.InitialCluster: not set, and etcd's --initial-cluster was not found in /etc/systemd/system/etcd.service"));
    }

    [Test]
    public void RestoreCommand_Etcdutl_BumpsRevisionsAndMarksThemCompacted()
    {
        var unit = EtcdUnit.Read("/etc/systemd/system/etcd.service", Files(("/etc/systemd/system/etcd.service", RunbookUnit)));
        var member = MemberParameters.Resolve(ConfiguredParameters.None, unit, []);

        var etcdutl = member.RestoreCommand("/usr/bin/etcdutl", "/backup/s.db", 1_000_000_000);
        var etcdctl = member.RestoreCommand("/opt/kube/bin/etcdctl", "/backup/s.db", 1_000_000_000);

        Assert.That(string.Join(' ', etcdutl), Is.EqualTo(
            "/usr/bin/etcdutl snapshot restore /backup/s.db --name etcd-172.17.1.20 "
            + "--initial-cluster etcd-172.17.1.20=https://172.17.1.20:2380,etcd-172.17.1.21=https://172.17.1.21:2380,etcd-172.17.1.22=https://172.17.1.22:2380 "
            + "--initial-cluster-token etcd-cluster-0 --initial-advertise-peer-urls https://172.17.1.20:2380 --data-dir /var/lib/etcd "
            + "--bump-revision 1000000000 --mark-compacted"));
        Assert.That(etcdctl, Does.Not.Contain("--bump-revision"));
    }

    [Test]
    public void Plan_WithARelativeRestoreDataDir_ListsAProblemNamingTheKey_WhileTheConfigurationStillLoads()
    {
        using var dir = new Support.TempDirectory("relative-data-dir");
        var unit = dir.Combine("etcd.service");
        File.WriteAllText(unit, RunbookUnit);
        var snapshot = Support.SyntheticSnapshots.Write(dir.Path, DateTimeOffset.UtcNow);
        var options = new RestoreOptions { UnitFile = unit, UseCommands = true, Tool = "/bin/true", Parameters = ConfiguredParameters.None with { DataDir = "default.etcd" } };

        var (_, _, problems) = options.Plan(snapshot);

        Assert.That(problems, Has.One.EqualTo("Restore.DataDir: 'default.etcd' must be an absolute path: the daemon does not run in etcd's working directory"));
    }

    [Test]
    public void Plan_WhoseRestoreToolIsNotThere_ListsAProblemNamingIt_SoTheRestoreRefusesBeforeStoppingAnything()
    {
        using var dir = new Support.TempDirectory("missing-tool");
        var unit = dir.Combine("etcd.service");
        File.WriteAllText(unit, RunbookUnit);
        var snapshot = Support.SyntheticSnapshots.Write(dir.Path, DateTimeOffset.UtcNow);
        var missing = dir.Combine("bin/etcdutl");

        var (_, _, problems) = new RestoreOptions { UnitFile = unit, UseCommands = true, Tool = missing }.Plan(snapshot);

        Assert.That(problems, Has.One.EqualTo(
            $"the restore tool '{missing}' (Restore.Tool in the configuration) is not there (etcdutl for etcd 3.5+, etcdctl for 3.4)"));
    }

    [Test]
    public void Plan_ForAUnitWithItsOwnWalDirectory_PassesItToTheToolAndListsNoProblem()
    {
        using var dir = new Support.TempDirectory("wal-dir");
        var unit = dir.Combine("etcd.service");
        File.WriteAllText(unit, RunbookUnit.Replace("--data-dir=/var/lib/etcd", "--data-dir=/var/lib/etcd --wal-dir=/fast/etcd-wal/", StringComparison.Ordinal));
        var snapshot = Support.SyntheticSnapshots.Write(dir.Path, DateTimeOffset.UtcNow);

        var (member, command, problems) = new RestoreOptions { UnitFile = unit, UseCommands = true, Tool = "/bin/true" }.Plan(snapshot);

        Assert.That(problems, Is.Empty);
        Assert.That(member.WalDir, Is.EqualTo(new Sourced("/fast/etcd-wal/", "--wal-dir in ExecStart of " + unit)));
        Assert.That(string.Join(' ', command), Does.EndWith("--data-dir /var/lib/etcd --wal-dir /fast/etcd-wal"));
    }

    [Test]
    public async Task Plan_WithADataOrWalDirectoryThatIsAMountPoint_HasTheToolWriteInsideIt_AndRefusesDataInsideTheWalOrAMountInside()
    {
        using var dir = new Support.TempDirectory("wal-dir-mount");
        await using var disk = await Support.Tmpfs.MountAsync(dir.Combine("disk"), "1m");
        var snapshot = Support.SyntheticSnapshots.Write(dir.Path, DateTimeOffset.UtcNow);
        (MemberParameters Member, string Command, IReadOnlyList<string> Problems) With(string flags)
        {
            var unit = dir.Combine($"etcd-{Guid.NewGuid():N}.service");
            File.WriteAllText(unit, RunbookUnit.Replace("--data-dir=/var/lib/etcd", flags, StringComparison.Ordinal));
            var plan = new RestoreOptions { UnitFile = unit, UseCommands = true, Tool = "/bin/true" }.Plan(snapshot);
            return (plan.Member, string.Join(' ', plan.Command), plan.Problems);
        }

        var walOnItsOwnDisk = With($"--data-dir=/var/lib/etcd --wal-dir={disk.Path}/");
        var belowTheMount = With($"--data-dir=/var/lib/etcd --wal-dir={disk.Path}/wal");
        var dataOnTheDisk = With($"--data-dir={disk.Path} --wal-dir={disk.Path}/member/wal");
        var holdingTheData = With("--data-dir=/srv/etcd-wal/data --wal-dir=/srv/etcd-wal");
        var aDiskInside = With($"--data-dir={dir.Path}");

        Assert.That(walOnItsOwnDisk.Problems, Is.Empty);
        Assert.That((walOnItsOwnDisk.Member.WalMounted, walOnItsOwnDisk.Member.DataMounted), Is.EqualTo((true, false)));
        Assert.That(walOnItsOwnDisk.Command, Does.Contain($"--data-dir /var/lib/etcd --wal-dir {disk.Path}/.restoring"));
        Assert.That(belowTheMount.Problems, Is.Empty);
        Assert.That(belowTheMount.Command, Does.Contain($"--wal-dir {disk.Path}/wal").And.Not.Contain(".restoring"));
        Assert.That(dataOnTheDisk.Problems, Is.Empty);
        Assert.That(dataOnTheDisk.Command, Does.Contain($"--data-dir {disk.Path}/.restoring --wal-dir {disk.Path}/.restoring/member/wal"),
            "a WAL inside a mounted data directory is written inside the tool's directory, to move up with the rest");
        Assert.That(holdingTheData.Problems, Has.One.StartWith("--data-dir /srv/etcd-wal/data lies inside --wal-dir /srv/etcd-wal"));
        Assert.That(aDiskInside.Problems, Has.One.StartWith($"{disk.Path} is a mount point inside {dir.Path}, which the restore would have to move aside"));
    }

    [Test]
    public void WithLinksFollowed_ResolvesALinkLeadingNowhere_AndKeepsAWalInsideTheDataDirectoryInside()
    {
        using var dir = new Support.TempDirectory("links");
        var disk = Directory.CreateDirectory(dir.Combine("disk")).FullName;
        var walDisk = Directory.CreateDirectory(dir.Combine("wal-disk")).FullName;
        // The data directory's link leads to a directory a restore has moved aside (a daemon restarted mid-restore).
        File.CreateSymbolicLink(dir.Combine("etcd"), Path.Combine(disk, "etcd"));
        var member = new MemberParameters(new("m1", "t"), new("m1=http://a:2380", "t"), new("tok", "t"), new("http://a:2380", "t"), new(dir.Combine("etcd"), "--data-dir"))
        {
            WalDir = new(dir.Combine("etcd", "member", "wal"), "--wal-dir"),
        };
        var apart = member with { WalDir = new(dir.Combine("wal-link"), "--wal-dir") };
        File.CreateSymbolicLink(dir.Combine("wal-link"), walDisk);

        var followed = member.WithLinksFollowed();
        var followedApart = apart.WithLinksFollowed();

        Assert.That(followed.DataDir, Is.EqualTo(new Sourced(Path.Combine(disk, "etcd"), $"--data-dir, {dir.Combine("etcd")} with its links followed")));
        Assert.That(followed.WalDir!.Value, Is.EqualTo(Path.Combine(disk, "etcd", "member", "wal")), "inside the data directory as configured, inside it still");
        Assert.That(followed.SeparateWalDir, Is.Null);
        Assert.That(followedApart.WalDir!.Value, Is.EqualTo(walDisk));
    }
}
