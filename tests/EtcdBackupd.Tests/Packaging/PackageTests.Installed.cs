using System.IO.Compression;
using EtcdBackupd.Configuration;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Packaging;

/// <summary>The files each package installs, read from the package itself.</summary>
internal sealed partial class PackageTests
{
    private static readonly string[] ManPages =
    [
        "usr/share/man/man8/etcd-backupd.8.gz",
        "usr/share/man/man8/etcd-backupctl.8.gz",
        "usr/share/man/man5/etcd-backupd.json.5.gz",
    ];

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

    [TestCase("deb")]
    [TestCase("rpm")]
    public async Task ManPages_AreInstalledGzippedWithThePackageVersion(string package)
    {
        using var dir = await ExtractAsync(package);

        foreach (var page in ManPages)
        {
            Assert.That(File.Exists(dir.Combine(page)), Is.True, $"{page} in the {package} package");
            Assert.That(await ReadGzippedAsync(dir.Combine(page)), Does.Contain($"\"etcd\\-backupd {Version}\"").And.Not.Contain("@VERSION@"), page);
        }
    }

    [TestCase("deb")]
    [TestCase("rpm")]
    public async Task ManPages_RenderWithoutAWarning(string package)
    {
        using var dir = await ExtractAsync(package);

        foreach (var page in ManPages)
        {
            var source = dir.Combine(Path.GetFileNameWithoutExtension(page));
            await File.WriteAllTextAsync(source, await ReadGzippedAsync(dir.Combine(page)));
            // -ww: every warning groff has (a bad macro, an unbreakable line, a missing font); -z: no output, only them.
            var result = await ProcessRunner.RunAsync("groff", ["-man", "-ww", "-z", source]);

            Assert.That((result.ExitCode, result.StandardError), Is.EqualTo((0, "")), $"{page} in the {package} package");
        }
    }

    /// <summary>The package's files as it would install them, under a fresh directory.</summary>
    internal static async Task<TempDirectory> ExtractAsync(string package)
    {
        var dir = new TempDirectory(package);
        var extract = package == "deb" ? $"dpkg-deb -x {Packages.Deb} ." : $"rpm2cpio {Packages.Rpm} | cpio -idm --quiet";
        await MustAsync("sh", "-c", $"cd {dir.Path} && {extract}");
        return dir;
    }

    private static async Task<string> ReadGzippedAsync(string path)
    {
        await using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        return await reader.ReadToEndAsync();
    }
}
