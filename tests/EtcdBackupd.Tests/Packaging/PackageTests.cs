using System.Text.RegularExpressions;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Packaging;

/// <summary>The built .deb and .rpm packages: what they declare, what they hold, where they run.</summary>
[Parallelizable(ParallelScope.None)]
internal sealed partial class PackageTests
{
    private static string Version => ChangelogVersion().Match(File.ReadAllText(Path.Combine(EtcdBinaries.RepositoryRoot(), "packaging", "CHANGELOG.md"))).Groups[1].Value;

    [Test]
    public async Task Deb_InfoAndContents_DeclareItsGlibcFloorAndHoldBinariesUnitAndAConfigFile()
    {
        var info = await MustAsync("dpkg-deb", "--info", Packages.Deb);
        var contents = await MustAsync("dpkg-deb", "--contents", Packages.Deb);
        var conffiles = await MustAsync("dpkg-deb", "--info", Packages.Deb, "conffiles");
        var postinst = await MustAsync("dpkg-deb", "--info", Packages.Deb, "postinst");

        Assert.That(info, Does.Contain(" Package: etcd-backupd\n").And.Contain($" Version: {Version}-1\n").And.Contain($" Depends: libc6 (>= {Floor})"));
        Assert.That(contents, Does.Match(@"-rwxr-xr-x root/root +\d+ \S+ \S+ \./usr/bin/etcd-backupd\n")
            .And.Match(@"-rwxr-xr-x root/root +\d+ \S+ \S+ \./usr/bin/etcd-backupctl\n")
            .And.Match(@"-rw-r--r-- root/root +\d+ \S+ \S+ \./lib/systemd/system/etcd-backupd.service\n")
            .And.Match(@"-rw-r----- root/root +\d+ \S+ \S+ \./etc/etcd-backupd/etcd-backupd.json\n")
            .And.Contain("./usr/share/doc/etcd-backupd/changelog.Debian.gz"));
        Assert.That(conffiles.Trim(), Is.EqualTo("/etc/etcd-backupd/etcd-backupd.json"), "an upgrade keeps an operator's configuration");
        Assert.That(postinst, Does.Contain("groupadd --system etcd-backupd").And.Contain("install -d -m 0700")
            .And.Not.Contain("systemctl enable").And.Not.Contain("systemctl start"), "the service is not started before it is configured");
    }

    [Test]
    public async Task Rpm_QueryInfoAndList_DeclareItsGlibcFloorAndMarkTheConfigNoReplace()
    {
        var info = await MustAsync("rpm", "-qip", Packages.Rpm);
        var requires = await MustAsync("rpm", "-qp", "--requires", Packages.Rpm);
        var list = await MustAsync("rpm", "-qlp", Packages.Rpm);
        var config = await MustAsync("rpm", "-qcp", Packages.Rpm);
        var changelog = await MustAsync("rpm", "-qp", "--changelog", Packages.Rpm);

        Assert.That(info, Does.Match(@"Name +: etcd-backupd\n").And.Match($@"Version +: {Regex.Escape(Version)}\n").And.Match(@"Release +: 1\n"));
        Assert.That(requires, Does.Contain($"glibc >= {Floor}"));
        Assert.That(list.Split('\n'), Is.SupersetOf(new[]
        {
            "/usr/bin/etcd-backupd", "/usr/bin/etcd-backupctl", "/usr/lib/systemd/system/etcd-backupd.service",
            "/etc/etcd-backupd/etcd-backupd.json", "/var/lib/etcd-backupd/snapshots",
        }));
        Assert.That(config.Trim(), Is.EqualTo("/etc/etcd-backupd/etcd-backupd.json"));
        Assert.That(changelog, Does.Contain($"- {Version}-1\n"));
    }

    /// <summary>
    /// The highest GLIBC_ symbol version the packaged binaries need, pinned: linked against Debian 11's C
    /// library with log and pow bound to their oldest versions (packaging/glibc-compat.c), 2.17, well
    /// under RHEL 8's 2.28. Linked against this Debian 12 machine's glibc they needed 2.34.
    /// </summary>
    private const string Floor = "2.17";

    [TestCase("deb")]
    [TestCase("rpm")]
    public async Task PackagedBinaries_NeedNoGlibcAboveThePinnedFloor(string package)
    {
        using var dir = await ExtractAsync(package);

        foreach (var binary in new[] { "etcd-backupd", "etcd-backupctl" })
        {
            var symbols = await MustAsync("objdump", "-T", Path.Combine(dir.Path, "usr", "bin", binary));
            var highest = GlibcVersion().Matches(symbols).Select(m => new Version(m.Groups[1].Value)).Max();
            Assert.That(highest?.ToString(), Is.EqualTo(Floor), $"{binary} in the {package} package");
        }
    }

    /// <summary>Debian 11 (glibc 2.31) in a debootstrap root filesystem: the .deb installs, both programs run, removal keeps snapshots.</summary>
    [Test]
    [CancelAfter(180_000)]
    public async Task Debian11_DebInstallsAndAnswersVersion_AndRemovalKeepsSnapshots()
    {
        var rootfs = Path.Combine(EtcdBinaries.RepositoryRoot(), ".cache", "rootfs", "bullseye");
        if (!File.Exists(Path.Combine(rootfs, ".complete")))
        {
            Assert.Fail($"no Debian 11 root filesystem at {rootfs}: run scripts/make-rootfs.sh (scripts/test.sh does)");
        }

        const string script = """
            set -e
            echo "glibc: $(ldd --version | head -1)"
            dpkg -i /pkg/etcd-backupd.deb >/dev/null
            echo "daemon: $(etcd-backupd --version)"
            echo "cli: $(etcd-backupctl --version)"
            echo "group: $(getent group etcd-backupd | cut -d: -f1)"
            echo "check: $(etcd-backupd check 2>&1 || true)"
            touch /var/lib/etcd-backupd/snapshots/etcd-snapshot-20261124T050000Z-m1-r7.db
            dpkg -r etcd-backupd >/dev/null
            echo "after removal: $(ls /var/lib/etcd-backupd/snapshots)"
            """;
        using var dir = new TempDirectory("bullseye");
        File.Copy(Packages.Deb, dir.Combine("etcd-backupd.deb"));
        var result = await ProcessRunner.RunAsync("systemd-nspawn",
            ["-q", "-D", rootfs, "--volatile=overlay", "--register=no", "--keep-unit", "--pipe", "-M", $"bullseye-{Environment.ProcessId}",
             $"--bind-ro={dir.Path}:/pkg", "/bin/sh", "-c", script], timeout: TimeSpan.FromMinutes(2));

        Assert.That(result.ExitCode, Is.Zero, result.ToString);
        Assert.That(result.StandardOutput, Does.Contain("glibc: ldd (Debian GLIBC 2.31")
            .And.Contain($"daemon: {Version}").And.Contain($"cli: {Version}")
            .And.Contain("group: etcd-backupd")
            .And.Contain("| configuration | FAILED |").And.Contain("Etcd.CaFile")
            .And.Contain("after removal: etcd-snapshot-20261124T050000Z-m1-r7.db"));
        // The packaged file names certificates this root filesystem has not, but its Control.Group is the group the package made.
        Assert.That(result.StandardOutput, Does.Not.Contain("Control.Group"), result.ToString);
    }

    private static async Task<string> MustAsync(string program, params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync(program, arguments);
        Assert.That(result.ExitCode, Is.Zero, () => $"{program} {string.Join(' ', arguments)}: {result}");
        return result.StandardOutput;
    }

    [GeneratedRegex(@"(?m)^## (\d+\.\d+\.\d+)")]
    private static partial Regex ChangelogVersion();

    [GeneratedRegex(@"GLIBC_(\d+\.\d+(?:\.\d+)?)")]
    private static partial Regex GlibcVersion();
}
