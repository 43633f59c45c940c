namespace EtcdBackupd.Restore;

/// <summary>The <c>Restore.*</c> parameters set in the configuration; each null when the unit should say.</summary>
internal sealed record ConfiguredParameters(string? Name, string? InitialCluster, string? InitialClusterToken, string? InitialAdvertisePeerUrls, string? DataDir)
{
    public static readonly ConfiguredParameters None = new(null, null, null, null, null);
}

/// <summary>
/// This member's flags for etcd's restore tool: what the runbook typed by hand on every master, each
/// from <c>Restore.*</c> when set, else from the etcd unit itself.
/// </summary>
internal sealed record MemberParameters(Sourced Name, Sourced InitialCluster, Sourced InitialClusterToken, Sourced InitialAdvertisePeerUrls, Sourced DataDir)
{
    /// <summary>The unit's <c>--wal-dir</c>, when etcd keeps its WAL apart from the data; null otherwise.</summary>
    public Sourced? WalDir { get; init; }

    /// <summary>
    /// <see cref="WalDir"/> when it lies outside the data directory: the restore moves it aside and back on its
    /// own. Inside the data directory (or the same), the data directory's move carries it.
    /// </summary>
    public string? SeparateWalDir =>
        WalDir?.Value.TrimEnd('/') is { Length: > 0 } wal && !Within(wal, DataDir.Value) ? wal : null;

    /// <summary>
    /// The data directory is a mount point (etcd's data on a disk of its own): a mount point cannot be renamed,
    /// so the restore moves what it holds aside, inside it, and the tool writes into <see cref="ToolDataDir"/>.
    /// </summary>
    public bool DataMounted { get; init; }

    /// <summary><see cref="SeparateWalDir"/> is a mount point (a WAL disk, most often); as <see cref="DataMounted"/>.</summary>
    public bool WalMounted { get; init; }

    /// <summary>The directory, inside a mount point, that etcd's restore tool writes to before what it wrote is moved up.</summary>
    public const string StagingName = ".restoring";

    public string Data => DataDir.Value.TrimEnd('/');

    /// <summary>
    /// Where the tool writes the data: the data directory, or, inside a mounted one, <see cref="StagingName"/>:
    /// the tool writes only into a directory that does not exist (etcdutl 3.5 takes an empty one, etcdctl 3.4 none).
    /// </summary>
    public string ToolDataDir => DataMounted ? Staging(Data) : Data;

    /// <summary>Where the tool writes the WAL, when etcd is told where it is: as <see cref="ToolDataDir"/>, for the WAL's own directory.</summary>
    public string? ToolWalDir
    {
        get
        {
            if (WalDir?.Value.TrimEnd('/') is not { Length: > 0 } wal)
            {
                return null;
            }

            if (SeparateWalDir is not null)
            {
                return WalMounted ? Staging(wal) : wal;
            }

            // Inside the data directory: at the same place inside the tool's, so it moves up with the rest.
            return DataMounted ? Rebased(wal, Data, ToolDataDir) : wal;
        }
    }

    public static string Staging(string dir) => $"{dir}/{StagingName}";

    /// <summary>
    /// What the restore cannot move aside: a data directory inside a separate WAL directory (the WAL's move would
    /// carry it along), or a mount point below either (a WAL disk at <c>member/wal</c>): renaming a directory that
    /// holds one fails, after etcd was stopped, and moving what it holds would put the new WAL on the wrong disk.
    /// </summary>
    public IEnumerable<string> DirectoryProblems(MountPoints mounts)
    {
        if (SeparateWalDir is { } wal && Data.Length > 0 && Within(Data, wal))
        {
            yield return $"--data-dir {Data} lies inside --wal-dir {wal} ({WalDir!.Source}): moving the WAL aside would carry the data with it; "
                + "restore this member by hand";
        }

        foreach (var dir in new[] { Data, SeparateWalDir }.OfType<string>().Where(d => d.Length > 0))
        {
            foreach (var inner in mounts.Below(dir))
            {
                yield return $"{inner} is a mount point inside {dir}, which the restore would have to move aside with it: "
                    + "restore this member by hand";
            }
        }
    }

    /// <summary>
    /// The data and WAL directories where their links lead (<see cref="RealPath"/>), so that a restore moves the data,
    /// not a link to it. A WAL inside the data directory as configured stays inside it, at the same place below the
    /// resolved one: resolved on its own (a link at <c>member/wal</c>), it would be taken for a WAL kept apart, and the
    /// new data directory would have no WAL where etcd looks.
    /// </summary>
    public MemberParameters WithLinksFollowed()
    {
        var data = RealPath.Followed(DataDir);
        if (WalDir is not { } wal)
        {
            return this with { DataDir = data };
        }

        if (DataDir.Value.Length == 0 || !Within(wal.Value, DataDir.Value))
        {
            return this with { DataDir = data, WalDir = RealPath.Followed(wal) };
        }

        return this with { DataDir = data, WalDir = wal with { Value = Rebased(wal.Value, DataDir.Value, data.Value) } };
    }

    /// <summary><paramref name="path"/>, which lies within <paramref name="from"/>, at the same place within <paramref name="to"/>.</summary>
    private static string Rebased(string path, string from, string to) =>
        Path.GetRelativePath(Path.GetFullPath(from), Path.GetFullPath(path)) is var below && below == "." ? to : Path.Join(to.TrimEnd('/'), below);

    private static bool Within(string path, string directory)
    {
        var (inner, outer) = (Path.GetFullPath(path).TrimEnd('/'), Path.GetFullPath(directory).TrimEnd('/'));
        return inner == outer || inner.StartsWith(outer + "/", StringComparison.Ordinal);
    }

    /// <summary>The configuration's values first, then the unit's; every gap is reported by key.</summary>
    public static MemberParameters Resolve(ConfiguredParameters configured, EtcdUnit? unit, List<string> problems)
    {
        Sourced Pick(string? setting, string key, string flag, bool path = false)
        {
            if (setting is { Length: > 0 } value)
            {
                return new Sourced(value, $"{key} in the configuration");
            }

            if ((path ? unit?.PathSetting(flag) : unit?.Setting(flag)) is { } found && found.Value.Length > 0)
            {
                return new Sourced(found.Value, found.Source);
            }

            problems.Add($"{key}: not set, and etcd's --{flag} was not found in {unit?.Path ?? "the etcd unit"}");
            return new Sourced("", "missing");
        }

        return new MemberParameters(
            Pick(configured.Name, "Restore.Name", "name"),
            Pick(configured.InitialCluster, "Restore.InitialCluster", "initial-cluster"),
            Pick(configured.InitialClusterToken, "Restore.InitialClusterToken", "initial-cluster-token"),
            Pick(configured.InitialAdvertisePeerUrls, "Restore.InitialAdvertisePeerUrls", "initial-advertise-peer-urls"),
            Pick(configured.DataDir, "Restore.DataDir", "data-dir", path: true))
        {
            WalDir = unit?.PathSetting("wal-dir") is { Value.Length: > 0 } wal ? new Sourced(wal.Value, wal.Source) : null,
        };
    }

    /// <summary>
    /// What etcd would refuse to start from: a <c>--name</c> that is none of the names in
    /// <c>--initial-cluster</c>, or <c>--initial-advertise-peer-urls</c> other than that name's URLs.
    /// </summary>
    public IEnumerable<string> Inconsistencies()
    {
        if (Name.Value.Length == 0 || InitialCluster.Value.Length == 0)
        {
            yield break;
        }

        var entries = InitialClusterFlag.Members(InitialCluster.Value);
        if (entries.Any(m => m.Name == Name.Value && m.Url is null))
        {
            yield return $"--initial-cluster ({InitialCluster.Source}) names '{Name.Value}' without a peer URL (NAME=URL): "
                + "the restored member would not start; set Restore.InitialCluster";
            yield break;
        }

        var members = entries.Where(m => m.Url is not null).ToLookup(m => m.Name, m => m.Url!.TrimEnd('/'));
        if (!members.Contains(Name.Value))
        {
            yield return $"--name '{Name.Value}' ({Name.Source}) is none of the names in --initial-cluster ({string.Join(", ", members.Select(m => m.Key))}): "
                + "the restored member would not start; set Restore.Name";
            yield break;
        }

        var own = members[Name.Value].Order(StringComparer.Ordinal).ToList();
        var advertised = InitialAdvertisePeerUrls.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(u => u.TrimEnd('/')).Order(StringComparer.Ordinal).ToList();
        if (advertised.Count > 0 && !own.SequenceEqual(advertised) && PeerUrls.SameAddresses(own, advertised) == false)
        {
            yield return $"--initial-advertise-peer-urls {InitialAdvertisePeerUrls.Value} ({InitialAdvertisePeerUrls.Source}) is not what --initial-cluster gives "
                + $"'{Name.Value}' ({string.Join(",", own)}): set Restore.InitialAdvertisePeerUrls";
        }
    }

    /// <summary>The parameters as the plan reports them.</summary>
    public RestoreParameters ToProtocol() => new(Name, InitialCluster, InitialClusterToken, InitialAdvertisePeerUrls, DataDir);

    /// <summary>
    /// The exact command line of etcd's own restore: <c>etcdutl snapshot restore</c> where it exists
    /// (3.5+, with <c>--bump-revision</c> and <c>--mark-compacted</c> so Kubernetes' watchers see
    /// revisions move forward), else <c>etcdctl snapshot restore</c> (ETCDCTL_API=3).
    /// </summary>
    public IReadOnlyList<string> RestoreCommand(string tool, string snapshot, long bumpRevision)
    {
        List<string> command =
        [
            tool, "snapshot", "restore", snapshot,
            "--name", Name.Value,
            "--initial-cluster", InitialCluster.Value,
            "--initial-cluster-token", InitialClusterToken.Value,
            "--initial-advertise-peer-urls", InitialAdvertisePeerUrls.Value,
            "--data-dir", ToolDataDir,
        ];
        if (ToolWalDir is { } wal)
        {
            // Where etcd will read it: without this, the tool writes the WAL inside the data directory and etcd,
            // started with --wal-dir, would not find it.
            command.AddRange(["--wal-dir", wal]);
        }

        if (Path.GetFileName(tool) == "etcdutl" && bumpRevision > 0)
        {
            command.AddRange(["--bump-revision", bumpRevision.ToString(System.Globalization.CultureInfo.InvariantCulture), "--mark-compacted"]);
        }

        return command;
    }
}
