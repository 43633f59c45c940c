namespace EtcdBackupd.Tests.Support;

/// <summary>
/// A cgroup of its own for one container, in every hierarchy systemd uses. With --keep-unit and no
/// systemd on the host, systemd-nspawn otherwise puts every container's "payload" in one shared cgroup,
/// so the containers' systemd instances manage the same /system.slice/etcd.service directory: one
/// container stopping its etcd removes the cgroup another's etcd is starting in (status 219/CGROUP), the
/// exact moment a cluster restore stops and starts etcd on every master at once.
/// </summary>
internal sealed class ContainerCgroup
{
    private readonly string[] _directories;

    private ContainerCgroup(string[] directories) => _directories = directories;

    public static ContainerCgroup Create(string name)
    {
        // Pure cgroup v2 mounts the unified hierarchy at /sys/fs/cgroup; hybrid and legacy layouts keep
        // systemd's own named hierarchy (and the unified one, if any) below it.
        string[] hierarchies = File.Exists("/sys/fs/cgroup/cgroup.controllers")
            ? ["/sys/fs/cgroup"]
            : [.. new[] { "/sys/fs/cgroup/systemd", "/sys/fs/cgroup/unified" }.Where(h => File.Exists(Path.Combine(h, "cgroup.procs")))];
        var directories = hierarchies.Select(h => Path.Combine(h, "etcd-backupd-tests", name)).ToArray();
        try
        {
            foreach (var directory in directories)
            {
                Directory.CreateDirectory(directory);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A host whose cgroups cannot be written here: boot as before, in the shared cgroup.
            TestContext.Progress.WriteLine($"no cgroup of its own for container {name}: {e.Message}");
            return new ContainerCgroup([]);
        }

        return new ContainerCgroup(directories);
    }

    /// <summary>A command line that moves itself into the cgroup, then becomes <paramref name="fileName"/>.</summary>
    public (string FileName, List<string> Arguments) Wrap(string fileName, IEnumerable<string> arguments)
    {
        var moves = string.Concat(_directories.Select(d => $"echo $$ > '{d}/cgroup.procs' && "));
        return ("sh", ["-c", moves + "exec \"$@\"", "sh", fileName, .. arguments]);
    }

    /// <summary>
    /// Removes the container's cgroups, deepest first, once nothing runs in them, then the shared
    /// etcd-backupd-tests parent if no other container still has its cgroup there.
    /// </summary>
    public void Remove()
    {
        foreach (var directory in _directories.Where(Directory.Exists))
        {
            var tree = Directory.GetDirectories(directory, "*", SearchOption.AllDirectories).OrderByDescending(d => d.Length)
                .Append(directory).Append(Path.GetDirectoryName(directory)!);
            foreach (var cgroup in tree)
            {
                try
                {
                    Directory.Delete(cgroup);
                }
                catch (IOException)
                {
                    // Still busy (a process that outlived its container, or another container's cgroup
                    // under the parent): left for the kernel to report, or for the last container.
                }
            }
        }
    }
}
