using EtcdBackupd.Configuration;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Packaging;

/// <summary>The files each package installs, read from the package itself.</summary>
internal sealed partial class PackageTests
{
    [TestCase("deb")]
    [TestCase("rpm")]
    public async Task PackagedConfiguration_GivesTheControlSocketToTheGroupThePackageCreates(string package)
    {
        using var dir = await ExtractAsync(package);
        var scripts = package == "deb"
            ? await MustAsync("dpkg-deb", "--info", Packages.Deb, "postinst")
            : await MustAsync("rpm", "-qp", "--scripts", Packages.Rpm);

        var config = new ConfigReader(ConfigurationLoader.Load(dir.Combine("etc", "etcd-backupd", "etcd-backupd.json")));

        Assert.That(config.String("Control.Group"), Is.EqualTo("etcd-backupd"), $"Control.Group in the {package} package's configuration");
        Assert.That(scripts, Does.Contain("groupadd --system etcd-backupd"), "the daemon refuses to start when Control.Group does not exist");
    }

    /// <summary>The package's files as it would install them, under a fresh directory.</summary>
    private static async Task<TempDirectory> ExtractAsync(string package)
    {
        var dir = new TempDirectory(package);
        var extract = package == "deb" ? $"dpkg-deb -x {Packages.Deb} ." : $"rpm2cpio {Packages.Rpm} | cpio -idm --quiet";
        await MustAsync("sh", "-c", $"cd {dir.Path} && {extract}");
        return dir;
    }
}
