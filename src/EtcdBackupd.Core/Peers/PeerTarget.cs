namespace EtcdBackupd.Peers;

/// <summary>One peer master that receives copies: an entry of <c>Peers.Targets</c>.</summary>
internal sealed record PeerTarget
{
    public const string DefaultControlSocket = Protocol.ControlFraming.DefaultSocketPath;

    public required string Host { get; init; }

    public const int DefaultPort = 22;

    public const string DefaultUser = "root";

    public const string DefaultBackupctl = "etcd-backupctl";

    public int Port { get; init; } = DefaultPort;

    public string User { get; init; } = DefaultUser;

    /// <summary>Where copies land on the peer; the local <c>Snapshots.Directory</c> when unset.</summary>
    public required string Directory { get; init; }

    /// <summary>The peer daemon's control socket, for the cluster restore.</summary>
    public string ControlSocket { get; init; } = DefaultControlSocket;

    /// <summary>
    /// How to run etcd-backupctl there, over SSH, for the cluster restore: a command line, not quoted
    /// (<c>Peers.Targets[i].Backupctl</c>, default <c>etcd-backupctl</c> from the package on the PATH).
    /// </summary>
    public string Backupctl { get; init; } = DefaultBackupctl;

    /// <summary>Accept and record an unknown host key once. Off unless an operator sets it on this target.</summary>
    public bool TrustOnFirstUse { get; init; }

    /// <summary>Apply retention to the copies there over SFTP, for a peer that runs no daemon of its own.</summary>
    public bool Prune { get; init; }

    /// <summary>How OpenSSH writes the host in known_hosts: <c>host</c> on port 22, else <c>[host]:port</c>.</summary>
    public string KnownHostsName => Port == 22 ? Host : $"[{Host}]:{Port}";

    public override string ToString() => $"{User}@{Host}:{Port}";
}
