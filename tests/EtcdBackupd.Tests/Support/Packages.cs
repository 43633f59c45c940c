namespace EtcdBackupd.Tests.Support;

/// <summary>
/// The packages packaging/build-packages.sh made (scripts/test.sh builds them into .cache/dist first;
/// BACKUPD_TEST_PACKAGES names another directory).
/// </summary>
internal static class Packages
{
    public static string Directory => Environment.GetEnvironmentVariable("BACKUPD_TEST_PACKAGES")
        ?? Path.Combine(EtcdBinaries.RepositoryRoot(), ".cache", "dist");

    /// <summary>For Debian 11+ and Ubuntu 20.04+.</summary>
    public static string Deb => Find("etcd-backupd_*-1_amd64.deb");

    /// <summary>For RHEL, Rocky and Alma 8 and 9.</summary>
    public static string Rpm => Find("etcd-backupd-*-1.x86_64.rpm");

    private static string Find(string pattern)
    {
        var found = System.IO.Directory.Exists(Directory) ? System.IO.Directory.GetFiles(Directory, pattern) : [];
        Assert.That(found, Has.Length.EqualTo(1),
            $"exactly one {pattern} in {Directory}: run packaging/build-packages.sh {Directory} (scripts/test.sh does)");
        return found[0];
    }
}
