namespace EtcdBackupd.Tests.Support;

/// <summary>The etcd releases the tests run against, as installed by scripts/install-deps.sh.</summary>
internal sealed record EtcdBinaries(string Label, string Etcd, string Etcdctl, string? Etcdutl)
{
    public static readonly EtcdBinaries V34 = new("3.4", "/usr/bin/etcd", "/usr/bin/etcdctl", null);

    public static readonly EtcdBinaries V35 = FromRoot("3.5", Environment.GetEnvironmentVariable("ETCD35_ROOT")
        ?? Path.Combine(RepositoryRoot(), ".cache", "etcd-3.5"));

    /// <summary>
    /// A newer 3.5 (3.5.30 when written; any from 3.5.20 on) from sid's etcd-server, which ships etcd and
    /// etcdutl but no etcdctl: the tests of the restore use etcdutl, and the 3.5 etcdctl for their clients.
    /// </summary>
    public static readonly EtcdBinaries V35Sid = FromRoot("3.5-sid", Environment.GetEnvironmentVariable("ETCD35SID_ROOT")
        ?? Path.Combine(RepositoryRoot(), ".cache", "etcd-3.5-sid")) with { Etcdctl = V35.Etcdctl };

    public static IEnumerable<EtcdBinaries> All => [V34, V35, V35Sid];

    /// <summary>By label, for tests whose cases name a version: "3.4", "3.5", "3.5-sid".</summary>
    public static EtcdBinaries Of(string label) => All.Single(b => b.Label == label);

    /// <summary>etcd's own restore and status tool: etcdutl from 3.5 on, etcdctl before.</summary>
    public string OfflineTool => Etcdutl ?? Etcdctl;

    public void RequireInstalled()
    {
        foreach (var binary in new[] { Etcd, Etcdctl, Etcdutl }.OfType<string>())
        {
            if (!File.Exists(binary))
            {
                Assert.Fail($"etcd {Label} is not installed ({binary} is missing): run scripts/install-deps.sh");
            }
        }
    }

    public override string ToString() => "etcd " + Label;

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EtcdBackupd.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("cannot find the repository root above " + AppContext.BaseDirectory);
    }

    private static EtcdBinaries FromRoot(string label, string root) =>
        new(label, Path.Combine(root, "usr/bin/etcd"), Path.Combine(root, "usr/bin/etcdctl"), Path.Combine(root, "usr/bin/etcdutl"));
}
