using EtcdBackupd.Configuration;

namespace EtcdBackupd.Restore;

/// <summary>How this member is restored: its parameters (or where to find them), the units, the tool.</summary>
internal sealed class RestoreOptions
{
    /// <summary>Restore.Name, Restore.InitialCluster, ...: set ones win over the unit's.</summary>
    public ConfiguredParameters Parameters { get; init; } = ConfiguredParameters.None;

    /// <summary><c>Restore.Tool</c>; null: the tool beside the unit's etcd, else the PATH's (<see cref="RestoreTool"/>).</summary>
    public string? Tool { get; init; }

    public const string DefaultEtcdUnit = "etcd.service";

    public string EtcdUnit { get; init; } = DefaultEtcdUnit;

    /// <summary><c>Restore.UnitFile</c>: the etcd unit's file; found under /etc, /run, /lib and /usr/lib when unset.</summary>
    public string? UnitFile { get; init; }

    public static IReadOnlyList<string> DefaultApiServerUnits { get; } = ["kube-apiserver.service"];

    public IReadOnlyList<string> ApiServerUnits { get; init; } = DefaultApiServerUnits;

    public const string DefaultServiceControl = "systemd";

    /// <summary><c>Restore.ServiceControl</c>: <c>systemd</c> (default) or <c>commands</c>.</summary>
    public bool UseCommands { get; init; }

    public IReadOnlyDictionary<string, UnitCommands> Commands { get; init; } = new Dictionary<string, UnitCommands>();

    public const int DefaultBumpRevision = 1_000_000_000;

    /// <summary><c>Restore.BumpRevision</c> (etcdutl only): default 1,000,000,000; 0 turns bump and mark-compacted off.</summary>
    public long BumpRevision { get; init; } = DefaultBumpRevision;

    public const int DefaultHealthTimeoutSeconds = 120;

    /// <summary><c>Restore.HealthTimeoutSeconds</c>: how long etcd gets to become healthy again. Default 120.</summary>
    public TimeSpan HealthTimeout { get; init; } = TimeSpan.FromSeconds(DefaultHealthTimeoutSeconds);

    public const int DefaultUnitTimeoutSeconds = 300;

    /// <summary>
    /// <c>Restore.UnitTimeoutSeconds</c>: how long one stop, start or is-active of a unit may take before the
    /// restore fails and rolls back. Default 300: systemd's default stop timeout and its SIGKILL, with room.
    /// </summary>
    public TimeSpan UnitTimeout { get; init; } = TimeSpan.FromSeconds(DefaultUnitTimeoutSeconds);

    public const int DefaultLeaseSeconds = 30;

    /// <summary>
    /// <c>Restore.LeaseSeconds</c>: how long a member keeps a cluster restore session its coordinator's
    /// after the last request (renewed every 5 s); a recovery from another master waits it out. Default 30.
    /// </summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(DefaultLeaseSeconds);

    public static RestoreOptions Read(ConfigReader config)
    {
        var mode = config.String("Restore.ServiceControl")?.ToLowerInvariant() ?? DefaultServiceControl;
        if (mode is not ("systemd" or "commands"))
        {
            config.Problem("Restore.ServiceControl", $"'{mode}' must be 'systemd' or 'commands'");
        }

        var etcdUnit = config.String("Restore.EtcdUnit") ?? DefaultEtcdUnit;
        var apiUnits = config.Has("Restore.ApiServerUnits") ? config.StringArray("Restore.ApiServerUnits") : DefaultApiServerUnits;
        // Named in either mode, so a misspelt field under a unit is reported even while systemd mode leaves it unused.
        config.Names("Restore.Commands", "Start", "Stop", "IsActive");
        var commands = new Dictionary<string, UnitCommands>();
        if (mode == "commands")
        {
            foreach (var unit in apiUnits.Prepend(etcdUnit))
            {
                commands[unit] = new UnitCommands(Command(config, unit, "Start"), Command(config, unit, "Stop"), Command(config, unit, "IsActive"));
            }
        }

        return new RestoreOptions
        {
            Parameters = new ConfiguredParameters(config.String("Restore.Name"), config.String("Restore.InitialCluster"),
                config.String("Restore.InitialClusterToken"), config.String("Restore.InitialAdvertisePeerUrls"), config.String("Restore.DataDir")),
            Tool = config.String("Restore.Tool"),
            EtcdUnit = etcdUnit,
            UnitFile = config.String("Restore.UnitFile"),
            ApiServerUnits = apiUnits,
            UseCommands = mode == "commands",
            Commands = commands,
            BumpRevision = config.Int("Restore.BumpRevision", DefaultBumpRevision, 0, int.MaxValue),
            HealthTimeout = TimeSpan.FromSeconds(config.Int("Restore.HealthTimeoutSeconds", DefaultHealthTimeoutSeconds, 5, 3600)),
            Lease = TimeSpan.FromSeconds(config.Int("Restore.LeaseSeconds", DefaultLeaseSeconds, 10, 600)),
            UnitTimeout = TimeSpan.FromSeconds(config.Int("Restore.UnitTimeoutSeconds", DefaultUnitTimeoutSeconds, 5, 86400)),
        };
    }

    /// <summary>How the units are stopped and started (<c>Restore.ServiceControl</c>), each command within <see cref="UnitTimeout"/>.</summary>
    public IServiceControl Services(TimeProvider time) =>
        new BoundedServiceControl(UseCommands ? new CommandServiceControl(Commands) : new SystemdServiceControl(), UnitTimeout, time);

    /// <summary>Unit names contain dots: the unit is a name in the Restore.Commands dictionary, not a key path.</summary>
    private static string Command(ConfigReader config, string unit, string name)
    {
        var value = config.String("Restore.Commands", unit, name);
        if (value is null)
        {
            config.Problem($"Restore.Commands[\"{unit}\"].{name}", "is required when Restore.ServiceControl is 'commands' (a shell command)");
            return "";
        }

        return value;
    }

    /// <summary>
    /// What a restore of <paramref name="snapshot"/> would do: this member's parameters with their
    /// sources and the exact command. A cluster restore passes its <paramref name="session"/>: every
    /// member then restores with the same new <c>--initial-cluster-token</c>, see <see cref="RestoreIdentity"/>.
    /// </summary>
    public (MemberParameters Member, IReadOnlyList<string> Command, IReadOnlyList<string> Problems) Plan(string snapshot, string? session = null)
    {
        var (member, command, problems, _) = PlanWithTool(snapshot, session);
        return (member, command, problems);
    }

    /// <summary><see cref="Plan"/>, and which tool restores and why; <paramref name="snapshotVersion"/> when no manifest beside the snapshot says it.</summary>
    public (MemberParameters Member, IReadOnlyList<string> Command, IReadOnlyList<string> Problems, Sourced Tool) PlanWithTool(
        string snapshot, string? session = null, string? snapshotVersion = null)
    {
        var problems = new List<string>();
        var unit = ReadUnit();
        problems.AddRange(unit?.Problems ?? []);
        var mounts = MountPoints.Read();
        if (Parameters.DataDir is { Length: > 0 } dataDir && !dataDir.StartsWith('/'))
        {
            // A problem of the restore, not of the configuration: a key used only by a restore must not keep the daemon, and its backups, from starting.
            problems.Add($"Restore.DataDir: '{dataDir}' must be an absolute path: the daemon does not run in etcd's working directory");
        }

        var member = RestoreIdentity.Apply(MemberParameters.Resolve(Parameters, unit, problems), session);
        member = member.WithLinksFollowed();
        member = member with { DataMounted = mounts.IsMountPoint(member.Data), WalMounted = member.SeparateWalDir is { } wal && mounts.IsMountPoint(wal) };
        problems.AddRange(member.Inconsistencies());
        problems.AddRange(member.DirectoryProblems(mounts));
        var tool = RestoreTool.Choose(Tool, unit);
        if (RestoreTool.Missing(tool) is { } missing)
        {
            // Said in the plan, so that a restore refuses before it stops anything, not after it has moved the data aside.
            problems.Add(missing);
        }

        snapshotVersion = ManifestFile.TryRead(SnapshotFileName.ManifestOf(snapshot))?.EtcdVersion ?? snapshotVersion;
        problems.AddRange(RestoreTool.Problems(tool.Value, unit?.Executable, snapshotVersion));
        return (member, member.RestoreCommand(tool.Value, snapshot, BumpRevision), problems, tool);
    }

    /// <summary>The tool a restore would use (its <c>snapshot status</c> vouches for a file without a manifest).</summary>
    public Sourced ChooseTool() => RestoreTool.Choose(Tool, ReadUnit());

    /// <summary>
    /// Who etcd runs as, for <c>chown</c> (<c>USER:GROUP</c>, or <c>USER:</c> for the user's own group),
    /// from the unit's <c>User=</c> and <c>Group=</c>; null when it names no user (root). The owner a
    /// restored data directory takes when there was no old one to copy it from.
    /// </summary>
    public Sourced? RunsAs() => ReadUnit() is { User: { } user } unit ? new Sourced($"{user}:{unit.Group}", $"User= of {unit.Path}") : null;

    /// <summary>For tests: the program asked for the unit in systemd mode.</summary>
    public string Systemctl { get; init; } = "systemctl";

    /// <summary>
    /// The etcd unit as the restore reads it. In systemd mode without <c>Restore.UnitFile</c>, systemd
    /// itself is asked (drop-ins and specifiers as systemd applied them); where it cannot be (no systemd as
    /// PID 1, the unit not loaded), and in commands mode, the file is read as systemd would read it. Each
    /// parameter's source names which: "systemctl show etcd.service" or the file's path.
    /// </summary>
    private EtcdUnit? ReadUnit()
    {
        static string? ReadFile(string path) => File.Exists(path) ? File.ReadAllText(path) : null;
        if (!UseCommands && UnitFile is null && Restore.EtcdUnit.AskSystemd(EtcdUnit, ReadFile, Systemctl, out _) is { } asked)
        {
            return asked;
        }

        var unitPath = UnitPath();
        return File.Exists(unitPath) ? Restore.EtcdUnit.Read(unitPath, ReadFile) : null;
    }

    /// <summary>The etcd unit's file, where systemd would look for it.</summary>
    public string UnitPath() => UnitFile ?? UnitDropIns.SearchPath
        .Select(d => System.IO.Path.Combine(d, EtcdUnit)).FirstOrDefault(File.Exists) ?? System.IO.Path.Combine("/etc/systemd/system", EtcdUnit);
}
