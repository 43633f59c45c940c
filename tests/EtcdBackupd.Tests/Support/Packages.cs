namespace EtcdBackupd.Tests.Support;

/// <summary>
/// The packages packaging/build-packages.sh made (scripts/test.sh builds them into .cache/dist first;
/// ETCD_BACKUPD_PACKAGES names another directory).
/// </summary>
internal static class Packages
{
    public static string Directory => Environment.GetEnvironmentVariable("ETCD_BACKUPD_PACKAGES")
        ?? Path.Combine(EtcdBinaries.RepositoryRoot(), ".cache", "dist");

    /// <summary>Native AOT build for glibc 2.34+: Debian 12+, Ubuntu 22.04+.</summary>
    public static string Deb => Find("etcd-backupd_*-1_amd64.deb");

    /// <summary>Self-contained build for glibc 2.27+: Debian 11, Ubuntu 20.04.</summary>
    public static string CompatDeb => Find("etcd-backupd_*~glibc227_amd64.deb");

    /// <summary>Native AOT build for RHEL, Rocky and Alma 9.</summary>
    public static string Rpm9 => Find("etcd-backupd-*.el9.x86_64.rpm");

    /// <summary>Self-contained build for RHEL, Rocky and Alma 8 (glibc 2.28).</summary>
    public static string Rpm8 => Find("etcd-backupd-*.el8.x86_64.rpm");

    private static string Find(string pattern)
    {
        var found = System.IO.Directory.Exists(Directory) ? System.IO.Directory.GetFiles(Directory, pattern) : [];
        Assert.That(found, Has.Length.EqualTo(1),
            $"exactly one {pattern} in {Directory}: run packaging/build-packages.sh {Directory} (scripts/test.sh does)");
        return found[0];
    }
}
