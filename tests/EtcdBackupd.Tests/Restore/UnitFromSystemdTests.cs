using EtcdBackupd.Protocol.Restore;
using EtcdBackupd.Restore;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Restore;

/// <summary>
/// The etcd unit asked of systemd (<c>systemctl show</c>), as the restore does in systemd mode: what
/// systemd prints, parsed; and the program run with the right arguments, a stand-in for systemctl here
/// (the container test asks the real one).
/// </summary>
[Category("Fast")]
internal sealed class UnitFromSystemdTests
{
    /// <summary>What systemd 252 prints for Debian's etcd unit with a drop-in that adds the cluster's flags: specifiers already expanded.</summary>
    private const string Show = """
        ExecStart={ path=/opt/kube/bin/etcd ; argv[]=/opt/kube/bin/etcd $DAEMON_ARGS --initial-cluster-token=tok ; ignore_errors=no ; start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }
        Environment=ETCD_NAME=master1 "ETCD_DATA_DIR=/var/lib/etcd/my data"
        EnvironmentFiles=/etc/default/etcd (ignore_errors=yes)
        EnvironmentFiles=/etc/default/missing (ignore_errors=yes)

        """;

    private const string Defaults = "DAEMON_ARGS=\"--initial-cluster master1=https://10.0.0.1:2380,master2=https://10.0.0.2:2380 --initial-advertise-peer-urls https://10.0.0.1:2380\"\n";

    private static string? Files(string path) => path == "/etc/default/etcd" ? Defaults : null;

    [Test]
    public void Show_WithDropInsAppliedBySystemd_GivesTheMembersParameters_AndNamesSystemctlAsTheSource()
    {
        var unit = EtcdUnit.FromShow("etcd.service", Show, Files, out var why)!;
        var problems = new List<string>();

        var member = MemberParameters.Resolve(ConfiguredParameters.None, unit, problems);

        Assert.That(why, Is.Null);
        Assert.That(unit.Executable, Is.EqualTo("/opt/kube/bin/etcd"), "the restore tool is looked for beside it");
        Assert.That(member.Name, Is.EqualTo(new Sourced("master1", "ETCD_NAME in Environment= of systemctl show etcd.service")));
        Assert.That(member.DataDir.Value, Is.EqualTo("/var/lib/etcd/my data"));
        Assert.That(member.InitialClusterToken, Is.EqualTo(new Sourced("tok", "--initial-cluster-token in ExecStart of systemctl show etcd.service")));
        Assert.That(member.InitialAdvertisePeerUrls.Value, Is.EqualTo("https://10.0.0.1:2380"));
        Assert.That(problems.Concat(unit.Problems).Concat(member.Inconsistencies()), Is.Empty);
    }

    [Test]
    public void Show_WithUserAndNoGroup_GivesTheUserAndTheUsersOwnGroup_AndWithoutUserNone()
    {
        var asUser = EtcdUnit.FromShow("etcd.service", Show + "User=etcd\nGroup=\n", Files, out _)!;
        var asRoot = EtcdUnit.FromShow("etcd.service", Show + "User=\nGroup=\n", Files, out _)!;
        var withGroup = EtcdUnit.FromShow("etcd.service", Show + "User=etcd\nGroup=kube\n", Files, out _)!;

        Assert.That((asUser.User, asUser.Group), Is.EqualTo(("etcd", (string?)null)));
        Assert.That((asRoot.User, asRoot.Group), Is.EqualTo(((string?)null, (string?)null)), "no User= is root, which needs no chown");
        Assert.That((withGroup.User, withGroup.Group), Is.EqualTo(("etcd", "kube")));
    }

    [Test]
    public void Show_WithAWorkingDirectory_ResolvesARelativeDataDirWithinIt_WithSystemdsMarksRead()
    {
        var relative = Show.Replace("/var/lib/etcd/my data", "data", StringComparison.Ordinal);
        var there = EtcdUnit.FromShow("etcd.service", relative + "WorkingDirectory=/var/lib/etcd\n", Files, out _)!;
        var missingOk = EtcdUnit.FromShow("etcd.service", relative + "WorkingDirectory=!/nonexistent/etcd\n", Files, out _)!;
        var none = EtcdUnit.FromShow("etcd.service", relative + "WorkingDirectory=\n", Files, out _)!;

        Assert.That(MemberParameters.Resolve(ConfiguredParameters.None, there, []).DataDir.Value, Is.EqualTo("/var/lib/etcd/data"));
        Assert.That(missingOk.WorkingDirectory.Value, Is.EqualTo("/"), "systemd leaves a missing-ok directory that is missing for /");
        Assert.That(none.WorkingDirectory.Value, Is.EqualTo("/"));
    }

    [Test]
    public void Show_OfAUnitSystemdHasNotLoaded_IsNoUnit_WithWhy()
    {
        var unit = EtcdUnit.FromShow("etcd.service", "ExecStart=\nEnvironment=\nEnvironmentFiles=\n", Files, out var why);

        Assert.That(unit, Is.Null);
        Assert.That(why, Does.Contain("has no ExecStart"));
    }

    [Test]
    public async Task AskSystemd_RunsShowWithItsPropertiesAndTheUnitAfterDoubleDash_AndFallsBackWithTheReasonWhenItFails()
    {
        using var dir = new TempDirectory("systemctl-show");
        var systemctl = dir.Combine("systemctl");
        var escaped = Show.Replace("'", "'\\''", StringComparison.Ordinal);
        await File.WriteAllTextAsync(systemctl, $"#!/bin/sh\necho \"$@\" > {dir.Combine("args")}\nprintf '%s' '{escaped}'\n");
        File.SetUnixFileMode(systemctl, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var failing = dir.Combine("failing");
        await File.WriteAllTextAsync(failing, "#!/bin/sh\necho 'System has not been booted with systemd as init system (PID 1). Can'\\''t operate.' >&2\nexit 1\n");
        File.SetUnixFileMode(failing, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var asked = EtcdUnit.AskSystemd("etcd.service", Files, systemctl, out var why);
        var refused = EtcdUnit.AskSystemd("etcd.service", Files, failing, out var refusedWhy);

        Assert.That((await File.ReadAllTextAsync(dir.Combine("args"))).Trim(), Is.EqualTo("-p ExecStart -p Environment -p EnvironmentFiles -p User -p Group -p WorkingDirectory show -- etcd.service"));
        Assert.That(asked?.Setting("name")?.Value, Is.EqualTo("master1"), why);
        Assert.That(refused, Is.Null);
        Assert.That(refusedWhy, Does.Contain("exited 1").And.Contain("not been booted with systemd"));
    }
}
