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
            kind = FileKinds.Of(path);
        }
        catch (IOException e)
        {
            return e.Message;
        }

        return kind is FileKind.Missing or FileKind.Socket ? null
            : $"'{path}' is {FileKinds.Describe(kind)}, not a socket; it is left as it is: remove it, or choose another path";
    }
}
