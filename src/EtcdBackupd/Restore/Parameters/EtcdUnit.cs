namespace EtcdBackupd.Restore;

/// <summary>
/// What the etcd unit says about the member, read as systemd reads it: the unit file and then its
/// drop-ins (<c>etcd.service.d/*.conf</c>, in name order; an empty <c>ExecStart=</c>,
/// <c>Environment=</c> or <c>EnvironmentFile=</c> resets), systemd's specifiers expanded
/// (<see cref="UnitSpecifiers"/>); its <c>ExecStart</c> flags, with variables from <c>Environment=</c> and
/// <c>EnvironmentFile=</c> substituted as systemd does, the <c>ETCD_*</c> variables etcd itself reads, and a
/// configuration file (<c>--config-file</c> or <c>ETCD_CONFIG_FILE</c>) if there is one. Each value
/// remembers where it came from.
/// </summary>
internal sealed partial class EtcdUnit
{
    private readonly Dictionary<string, (string Value, string Source)> _flags = [];
    private readonly Dictionary<string, (string Value, string Source)> _environment = [];
    private readonly Dictionary<string, (string Value, string Source)> _fileEnvironment = [];
    private readonly Dictionary<string, (string Value, string Source)> _configFile = [];

    /// <summary>Whether etcd is given a configuration file, read or not: it then ignores flags and environment.</summary>
    private bool _fromConfigFile;

    private EtcdUnit(string path) => Path = path;

    public string Path { get; }

    /// <summary>The unit's <c>User=</c>, or null when it names none (etcd runs as root).</summary>
    public string? User { get; private set; }

    /// <summary>The unit's <c>Group=</c>, or null (the user's own group, as systemd takes it).</summary>
    public string? Group { get; private set; }

    /// <summary>
    /// Where etcd runs (<c>WorkingDirectory=</c>), against which it opens a relative <c>--data-dir</c>,
    /// <c>--wal-dir</c> or <c>--config-file</c>: <c>/</c> when the unit names none, as systemd runs a
    /// system service; <c>~</c> the user's home; a directory that may be missing (<c>-</c> in the file,
    /// <c>!</c> in <c>systemctl show</c>) and is, <c>/</c> too, where systemd leaves the process.
    /// </summary>
    public Sourced WorkingDirectory { get; private set; } = new("/", "/, where systemd runs a unit without WorkingDirectory=");

    /// <summary>What systemd would read differently or not at all: an unknown specifier, say.</summary>
    public List<string> Problems { get; } = [];

    /// <summary>The etcd binary <c>ExecStart</c> runs (its first word), or null: the restore tool is looked for beside it.</summary>
    public string? Executable { get; private set; }

    /// <summary>An etcd setting (<c>initial-cluster</c>, say) as etcd would see it, or null.</summary>
    public (string Value, string Source)? Setting(string name)
    {
        // etcd ignores flags and environment when it is given a configuration file.
        if (_fromConfigFile)
        {
            return _configFile.TryGetValue(name, out var fromFile) ? fromFile : null;
        }

        if (_flags.TryGetValue(name, out var fromFlag))
        {
            return fromFlag;
        }

        return Variable("ETCD_" + name.Replace('-', '_').ToUpperInvariant());
    }

    /// <summary>
    /// An environment variable as etcd's process gets it: from <c>EnvironmentFile=</c> before <c>Environment=</c>,
    /// whatever their order in the unit (systemd.exec(5)).
    /// </summary>
    private (string Value, string Source)? Variable(string name) =>
        _fileEnvironment.TryGetValue(name, out var fromFile) ? fromFile
        : _environment.TryGetValue(name, out var fromUnit) ? fromUnit
        : null;

    /// <summary>
    /// A directory setting (<c>data-dir</c>, <c>wal-dir</c>) as etcd opens it: a relative one within
    /// <see cref="WorkingDirectory"/>, where the daemon, which runs elsewhere, would otherwise look.
    /// </summary>
    public (string Value, string Source)? PathSetting(string name) =>
        Setting(name) is not { } setting ? null
        : setting.Value.Length == 0 || setting.Value.StartsWith('/') ? setting
        : (Within(setting.Value), $"{setting.Source}, relative to {WorkingDirectory.Source}");

    private string Within(string relative) => System.IO.Path.GetFullPath(relative, WorkingDirectory.Value);

    /// <param name="unitPath">The unit file.</param>
    /// <param name="readFile">Reads a file; null when it does not exist.</param>
    /// <param name="host">This host's facts for the specifiers; the real ones when null.</param>
    /// <param name="dropIns">The drop-in files of the unit, in the order systemd applies them; where systemd finds them when null (<see cref="UnitDropIns"/>).</param>
    public static EtcdUnit Read(string unitPath, Func<string, string?> readFile, UnitHost? host = null, IReadOnlyList<string>? dropIns = null)
    {
        var text = readFile(unitPath) ?? throw new FileNotFoundException($"the etcd unit '{unitPath}' does not exist", unitPath);
        var unitName = System.IO.Path.GetFileName(unitPath);
        var settings = ServiceSettings(text).Select(s => (s.Key, s.Value, From: unitPath)).ToList();
        foreach (var dropIn in dropIns ?? UnitDropIns.Of(unitPath))
        {
            settings.AddRange(ServiceSettings(readFile(dropIn) ?? "").Select(s => (s.Key, s.Value, From: dropIn)));
        }

        return FromSettings(unitPath, unitName, settings, readFile, host, expandSpecifiers: true);
    }

    /// <summary>
    /// The settings in the order systemd applies them, each with the file it came from. Specifiers are
    /// expanded here unless systemd has done it already (<paramref name="expandSpecifiers"/> false).
    /// </summary>
    private static EtcdUnit FromSettings(
        string path, string unitName, List<(string Key, string Value, string From)> settings, Func<string, string?> readFile, UnitHost? host, bool expandSpecifiers)
    {
        var unit = new EtcdUnit(path)
        {
            User = settings.LastOrDefault(s => s.Key == "User").Value is { Length: > 0 } named ? named : null,
            Group = settings.LastOrDefault(s => s.Key == "Group").Value is { Length: > 0 } group ? group : null,
        };
        var user = unit.User ?? "root";
        host ??= UnitHost.Current();
        string? execStart = null;
        foreach (var (key, value, from) in settings)
        {
            string Expanded() => expandSpecifiers ? UnitSpecifiers.Expand(value, unitName, user, host!, unit.Problems, $"{key}= of {from}") : value;
            switch (key)
            {
                case "EnvironmentFile" when value.Length == 0:
                    // An empty assignment resets its own list only, as in a drop-in that replaces the unit's files.
                    unit._fileEnvironment.Clear();
                    break;
                case "Environment" when value.Length == 0:
                    unit._environment.Clear();
                    break;
                case "EnvironmentFile":
                    var expanded = Expanded();
                    var file = expanded.TrimStart('-');
                    foreach (var (name, setting) in EnvironmentFileEntries(readFile(file) ?? (expanded.StartsWith('-') ? "" : throw new FileNotFoundException($"EnvironmentFile '{file}' of {from} does not exist"))))
                    {
                        unit._fileEnvironment[name] = (setting, $"{name} in EnvironmentFile {file}");
                    }

                    break;
                case "Environment":
                    foreach (var assignment in Words(Expanded()))
                    {
                        var equals = assignment.IndexOf('=', StringComparison.Ordinal);
                        if (equals > 0)
                        {
                            unit._environment[assignment[..equals]] = (assignment[(equals + 1)..], $"{assignment[..equals]} in Environment= of {from}");
                        }
                    }

                    break;
                case "ExecStart":
                    execStart = value.Length == 0 ? null : Expanded();
                    break;
                case "WorkingDirectory":
                    unit.WorkingDirectory = WorkingDirectoryOf(Expanded(), user, from);
                    break;
            }
        }

        if (execStart is not null)
        {
            unit.ReadFlags(execStart, readFile);
        }

        return unit;
    }

    private static Sourced WorkingDirectoryOf(string value, string user, string from)
    {
        var mayBeMissing = value.StartsWith('-') || value.StartsWith('!');
        var directory = value.TrimStart('-', '!');
        if (directory == "~")
        {
            directory = UnitSpecifiers.HomeOf(user) ?? "/";
        }

        if (directory.Length == 0 || !directory.StartsWith('/'))
        {
            return new Sourced("/", $"/, where systemd runs a unit without WorkingDirectory= (it is empty in {from})");
        }

        return mayBeMissing && !Directory.Exists(directory)
            ? new Sourced("/", $"/, as WorkingDirectory={value} of {from} does not exist")
            : new Sourced(directory, $"WorkingDirectory={value} of {from}");
    }

    private void ReadFlags(string execStart, Func<string, string?> readFile)
    {
        var words = ExecStartWords(execStart.TrimStart('-', '@', '+', '!', ':'));
        Executable = words.Count > 0 && words[0].StartsWith('/') ? words[0] : null;
        for (var i = 1; i < words.Count; i++)
        {
            if (!words[i].StartsWith('-'))
            {
                continue;
            }

            var flag = words[i].TrimStart('-');
            string value;
            var equals = flag.IndexOf('=', StringComparison.Ordinal);
            if (equals >= 0)
            {
                (flag, value) = (flag[..equals], flag[(equals + 1)..]);
            }
            else if (i + 1 < words.Count && !words[i + 1].StartsWith('-'))
            {
                value = words[++i];
            }
            else
            {
                continue;
            }

            _flags[flag] = (value, $"--{flag} in ExecStart of {Path}");
        }

        // etcd takes ETCD_CONFIG_FILE as it takes any flag from the environment, and then reads nothing else.
        var (config, named) = _flags.TryGetValue("config-file", out var flagged) ? (flagged, "--config-file") : (Variable("ETCD_CONFIG_FILE"), "ETCD_CONFIG_FILE");
        if (config is { Value.Length: > 0 } file)
        {
            ReadConfigFile(file.Value, named, file.Source, readFile);
        }
    }
}
