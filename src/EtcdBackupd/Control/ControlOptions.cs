using EtcdBackupd.Configuration;
using EtcdBackupd.FileSystem;

namespace EtcdBackupd.Control;

/// <summary>The local control socket: who may talk to the daemon, and where.</summary>
internal sealed class ControlOptions
{
    /// <summary><c>Control.SocketPath</c>: default <c>/run/etcd-backupd/control.sock</c> (the unit's RuntimeDirectory).</summary>
    public string SocketPath { get; init; } = ControlFraming.DefaultSocketPath;

    public const string DefaultGroup = "root";

    /// <summary><c>Control.Group</c>: its members may read status and take snapshots. Default root.</summary>
    public string Group { get; init; } = DefaultGroup;

    public int GroupId { get; init; }

    public const int DefaultIdleSeconds = 30;

    /// <summary><c>Control.IdleSeconds</c>: a client silent this long is disconnected. Default 30.</summary>
    public TimeSpan Idle { get; init; } = TimeSpan.FromSeconds(DefaultIdleSeconds);

    public const int DefaultRequestSeconds = 10;

    /// <summary><c>Control.RequestSeconds</c>: from a request's first byte to its newline; a client that trickles is dropped. Default 10.</summary>
    public TimeSpan RequestDeadline { get; init; } = TimeSpan.FromSeconds(DefaultRequestSeconds);

    public const int DefaultWriteSeconds = 10;

    /// <summary><c>Control.WriteSeconds</c>: how long one answer line may wait for a client that does not read. Default 10.</summary>
    public TimeSpan WriteDeadline { get; init; } = TimeSpan.FromSeconds(DefaultWriteSeconds);

    public const int DefaultConnectionsPerUser = 4;

    /// <summary><c>Control.ConnectionsPerUser</c>: connections one uid other than root may hold; over it, an immediate <c>busy</c>. Default 4.</summary>
    public int ConnectionsPerUser { get; init; } = DefaultConnectionsPerUser;

    public const int DefaultMaxConnections = 32;

    /// <summary><c>Control.MaxConnections</c>: connections of all users other than root together. Default 32.</summary>
    public int MaxConnections { get; init; } = DefaultMaxConnections;

    public const int DefaultRootConnections = 16;

    /// <summary><c>Control.RootConnections</c>: slots only root can use, so root's status and restore always get through. Default 16.</summary>
    public int RootConnections { get; init; } = DefaultRootConnections;

    public const int DefaultSnapshotIntervalSeconds = 300;

    /// <summary><c>Control.SnapshotIntervalSeconds</c>: one new ad-hoc snapshot per this interval for callers other than root. Default 300.</summary>
    public TimeSpan SnapshotInterval { get; init; } = TimeSpan.FromSeconds(DefaultSnapshotIntervalSeconds);

    public static ControlOptions Read(ConfigReader config)
    {
        var path = config.String("Control.SocketPath") ?? ControlFraming.DefaultSocketPath;
        if (!path.StartsWith('/') || path.Length > 100)
        {
            config.Problem("Control.SocketPath", $"'{path}' must be an absolute path of at most 100 characters (a Unix socket)");
        }
        else if (CheckSocketPath(path) is { } problem)
        {
            config.Problem("Control.SocketPath", problem);
        }

        var group = config.String("Control.Group") ?? DefaultGroup;
        var gid = UnixGroups.IdOf(group);
        if (gid is null)
        {
            config.Problem("Control.Group", $"'{group}' is not a group on this host (/etc/group)");
        }

        return new ControlOptions
        {
            SocketPath = path,
            Group = group,
            GroupId = gid ?? 0,
            Idle = TimeSpan.FromSeconds(config.Int("Control.IdleSeconds", DefaultIdleSeconds, 1, 3600)),
            RequestDeadline = TimeSpan.FromSeconds(config.Int("Control.RequestSeconds", DefaultRequestSeconds, 1, 600)),
            WriteDeadline = TimeSpan.FromSeconds(config.Int("Control.WriteSeconds", DefaultWriteSeconds, 1, 600)),
            ConnectionsPerUser = config.Int("Control.ConnectionsPerUser", DefaultConnectionsPerUser, 1, 1000),
            MaxConnections = config.Int("Control.MaxConnections", DefaultMaxConnections, 1, 1000),
            RootConnections = config.Int("Control.RootConnections", DefaultRootConnections, 1, 1000),
            SnapshotInterval = TimeSpan.FromSeconds(config.Int("Control.SnapshotIntervalSeconds", DefaultSnapshotIntervalSeconds, 0, 86400)),
        };
    }

    /// <summary>
    /// Null when the socket can be made at <paramref name="path"/>: its directory exists (never made here,
    /// the unit's RuntimeDirectory= makes the default one), and nothing is there but perhaps a socket,
    /// which the server replaces only when nobody answers on it. Anything else is left as it is.
    /// </summary>
    public static string? CheckSocketPath(string path)
    {
        var directory = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(directory))
        {
            return $"directory '{directory}' does not exist (the unit's RuntimeDirectory=etcd-backupd makes /run/etcd-backupd; elsewhere, make it first)";
        }

        FileKind kind;
        try
        {
            kind = RegularFile.KindOf(path);
        }
        catch (IOException e)
        {
            return e.Message;
        }

        return kind is FileKind.Missing or FileKind.Socket ? null
            : $"'{path}' is {FileKinds.Describe(kind)}, not a socket; it is left as it is: remove it, or choose another path";
    }
}
