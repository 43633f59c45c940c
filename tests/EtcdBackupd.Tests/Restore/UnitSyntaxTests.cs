using EtcdBackupd.Restore;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Restore;

/// <summary>
/// The etcd unit's syntax read as systemd and etcd read it, where reading it otherwise would restore another
/// directory than etcd's or give the member flags etcd never had.
/// </summary>
[Category("Fast")]
internal sealed class UnitSyntaxTests
{
    private const string UnitPath = "/etc/systemd/system/etcd.service";

    private static EtcdUnit Unit(string service, params (string Path, string Text)[] files) =>
        EtcdUnit.Read(UnitPath, path => path == UnitPath ? "[Service]\n" + service : files.FirstOrDefault(f => f.Path == path).Text, dropIns: []);

    private static string? Value(EtcdUnit unit, string name) => unit.Setting(name)?.Value;

    [Test]
    public void ACommentedOutLine_InsideAContinuedExecStart_IsDropped_NotMadeAFlag()
    {
        var unit = Unit("""
            # an operator's note ending in a backslash \
            ExecStart=/usr/bin/etcd \
              --data-dir=/var/lib/etcd \
            #  --wal-dir=/var/lib/etcd-wal \
              --name=m1
            """);

        Assert.That(Value(unit, "wal-dir"), Is.Null, "systemd drops the comment line: etcd keeps its WAL in the data directory");
        Assert.That(Value(unit, "name"), Is.EqualTo("m1"));
        Assert.That(unit.Executable, Is.EqualTo("/usr/bin/etcd"), "a comment ending in a backslash does not swallow ExecStart");
    }

    [Test]
    public void AnEnvironmentFile_WinsOverEnvironment_WhateverTheirOrder()
    {
        var unit = Unit("""
            EnvironmentFile=/etc/etcd.env
            Environment=ETCD_DATA_DIR=/data/etcd ETCD_NAME=from-unit
            ExecStart=/usr/bin/etcd
            """, ("/etc/etcd.env", "ETCD_DATA_DIR=/var/lib/etcd\n"));

        Assert.That(unit.Setting("data-dir"), Is.EqualTo(("/var/lib/etcd", "ETCD_DATA_DIR in EnvironmentFile /etc/etcd.env")));
        Assert.That(Value(unit, "name"), Is.EqualTo("from-unit"));
    }

    [Test]
    public void AnEmptyEnvironment_ResetsTheUnitsOwnVariables_NotTheFiles()
    {
        var unit = Unit("""
            Environment=ETCD_NAME=from-unit
            EnvironmentFile=/etc/etcd.env
            Environment=
            Environment=ETCD_INITIAL_CLUSTER_TOKEN=tok
            ExecStart=/usr/bin/etcd
            """, ("/etc/etcd.env", "ETCD_DATA_DIR=/var/lib/etcd\n"));

        Assert.That(Value(unit, "data-dir"), Is.EqualTo("/var/lib/etcd"));
        Assert.That(Value(unit, "name"), Is.Null);
        Assert.That(Value(unit, "initial-cluster-token"), Is.EqualTo("tok"));
    }

    [Test]
    public void AnExportLine_InAnEnvironmentFile_NeverReachesEtcd_AsSystemdIgnoresIt()
    {
        var unit = Unit("EnvironmentFile=/etc/default/etcd\nExecStart=/usr/bin/etcd\n",
            ("/etc/default/etcd", "export ETCD_DATA_DIR=/data/etcd\n; a comment\nETCD_NAME=m1\n"));

        Assert.That(Value(unit, "data-dir"), Is.Null);
        Assert.That(Value(unit, "name"), Is.EqualTo("m1"));
    }

    [Test]
    public void ExecStart_SplitsFirstThenSubstitutes_AsSystemdDoes()
    {
        var unit = Unit("""
            Environment="ARGS=--name m1 --initial-cluster-token tok" "DIR=/var/lib/etcd/my data" WAL=/wal
            ExecStart=/usr/bin/etcd $ARGS --data-dir=${DIR} --wal-dir=$WAL --initial-advertise-peer-urls "https://10.0.0.1:2380" --listen-client-urls=a$$b
            """);

        Assert.That(Value(unit, "name"), Is.EqualTo("m1"), "$ARGS as a word of its own is split");
        Assert.That(Value(unit, "data-dir"), Is.EqualTo("/var/lib/etcd/my data"), "${DIR} is one word, spaces and all");
        Assert.That(Value(unit, "wal-dir"), Is.EqualTo("$WAL"), "$WAL inside a word stays as written: etcd gets it so");
        Assert.That(Value(unit, "initial-advertise-peer-urls"), Is.EqualTo("https://10.0.0.1:2380"));
        Assert.That(Value(unit, "listen-client-urls"), Is.EqualTo("a$b"));
    }

    [Test]
    public void ABackslash_InExecStart_TakesTheNextCharacterAsItIs()
    {
        var unit = Unit("ExecStart=/usr/bin/etcd --name \"m\\\"1\" --data-dir /var/lib/my\\ etcd\n");

        Assert.That(Value(unit, "name"), Is.EqualTo("m\"1"));
        Assert.That(Value(unit, "data-dir"), Is.EqualTo("/var/lib/my etcd"));
    }

    [Test]
    public void EtcdConfigFile_FromTheEnvironment_IsReadAndEverythingElseIgnored()
    {
        var unit = Unit("Environment=ETCD_CONFIG_FILE=/etc/etcd/etcd.yml ETCD_DATA_DIR=/leftover\nExecStart=/usr/bin/etcd --name ignored\n",
            ("/etc/etcd/etcd.yml", "name: m3\ndata-dir: /srv/etcd\n"));

        Assert.That(unit.Setting("data-dir"), Is.EqualTo(("/srv/etcd", "data-dir in ETCD_CONFIG_FILE /etc/etcd/etcd.yml")));
        Assert.That(Value(unit, "name"), Is.EqualTo("m3"));
    }

    [Test]
    public void AConfigFileThatCannotBeRead_IsAProblem_AndTheFlagsEtcdWouldIgnoreAreNotTaken()
    {
        var unit = Unit("ExecStart=/usr/bin/etcd --config-file /etc/etcd/missing.yml --data-dir /var/lib/etcd\n");

        Assert.That(Value(unit, "data-dir"), Is.Null);
        Assert.That(unit.Problems, Has.One.StartsWith("etcd's configuration file /etc/etcd/missing.yml (--config-file in ExecStart of /etc/systemd/system/etcd.service) cannot be read"));
    }

    [Test]
    public void ConfigFileValues_AreReadAsYaml_CommentsQuotesAndNull()
    {
        var unit = Unit("ExecStart=/usr/bin/etcd --config-file /etc/etcd/etcd.yml\n", ("/etc/etcd/etcd.yml", """
            name: 'm''3'   # quoted, with a comment
            data-dir: /var/lib/etcd  # the data disk
            wal-dir: null
            initial-cluster-token: ~
            initial-cluster: "m1=https://10.0.0.1:2380,m3=https://10.0.0.3:2380" # three members
            initial-advertise-peer-urls: https://10.0.0.3:2380#not-a-comment
            """));

        Assert.That(Value(unit, "name"), Is.EqualTo("m'3"));
        Assert.That(Value(unit, "data-dir"), Is.EqualTo("/var/lib/etcd"));
        Assert.That(Value(unit, "wal-dir"), Is.Null, "null leaves etcd's default: the WAL inside the data directory");
        Assert.That(Value(unit, "initial-cluster-token"), Is.Null);
        Assert.That(Value(unit, "initial-cluster"), Is.EqualTo("m1=https://10.0.0.1:2380,m3=https://10.0.0.3:2380"));
        Assert.That(Value(unit, "initial-advertise-peer-urls"), Is.EqualTo("https://10.0.0.3:2380#not-a-comment"));
    }

    [Test]
    public void DropIns_AcrossTheSearchPath_AreAppliedInNameOrder_AndAnOverrideMasksTheSameNameLater_TheInstancesBeforeTheTemplates()
    {
        using var dir = new TempDirectory("drop-ins");
        var (etc, lib) = (dir.Combine("etc"), dir.Combine("lib"));
        void Write(string directory, string unitDirectory, string name) =>
            File.WriteAllText(Path.Combine(Directory.CreateDirectory(Path.Combine(directory, unitDirectory)).FullName, name), "[Service]\n");
        Write(etc, "etcd@.service.d", "10-template.conf");
        Write(etc, "etcd@.service.d", "override.conf");
        Write(etc, "etcd@a.service.d", "override.conf");
        Write(lib, "etcd@a.service.d", "override.conf");
        Write(lib, "etcd@a.service.d", "50-package.conf");
        Write(lib, "etcd@a.service.d", "notes.txt");
        Write(lib, "etcd@b.service.d", "other-instance.conf");

        var found = UnitDropIns.Find("etcd@a.service", [etc, lib]);

        Assert.That(found.Select(f => Path.GetRelativePath(dir.Path, f)), Is.EqualTo(new[]
        {
            "etc/etcd@.service.d/10-template.conf", "lib/etcd@a.service.d/50-package.conf", "etc/etcd@a.service.d/override.conf",
        }));
    }
}
