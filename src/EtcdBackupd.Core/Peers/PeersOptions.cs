using EtcdBackupd.Configuration;

namespace EtcdBackupd.Peers;

/// <summary>The other masters that receive a copy of every snapshot, and how to reach them safely.</summary>
internal sealed class PeersOptions
{
    public IReadOnlyList<PeerTarget> Targets { get; init; } = [];

    /// <summary><c>Peers.IdentityFile</c>: a private key in OpenSSH format, without a passphrase.</summary>
    public string? IdentityFile { get; init; }

    /// <summary><c>Peers.KnownHostsFile</c>: OpenSSH known_hosts, plain or hashed entries.</summary>
    public string? KnownHostsFile { get; init; }

    public const int DefaultParallelism = 4;

    /// <summary><c>Peers.Parallelism</c>: targets pushed at once. Default 4, 1 to 32.</summary>
    public int Parallelism { get; init; } = DefaultParallelism;

    public const int DefaultAttempts = 3;

    /// <summary><c>Peers.Attempts</c>: tries per target, with backoff between them. Default 3, 1 to 10.</summary>
    public int Attempts { get; init; } = DefaultAttempts;

    public const int DefaultTimeoutSeconds = 900;

    /// <summary><c>Peers.TimeoutSeconds</c>: the most one target may take, retries included. Default 900.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(DefaultTimeoutSeconds);

    public const int DefaultConnectTimeoutSeconds = 10;

    /// <summary><c>Peers.ConnectTimeoutSeconds</c>: for the TCP connection and SSH handshake. Default 10.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(DefaultConnectTimeoutSeconds);

    public const int DefaultRetrySeconds = 300;

    /// <summary>
    /// <c>Peers.RetrySeconds</c>: how often the daemon tries again what a peer is owed (a pin's manifest, an
    /// imported snapshot). Default 300, 5 to 86400.
    /// </summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromSeconds(DefaultRetrySeconds);

    public bool Enabled => Targets.Count > 0;

    public static PeersOptions Read(ConfigReader config, string snapshotDirectory)
    {
        var targets = new List<PeerTarget>();
        for (var i = 0; config.String($"Peers.Targets.{i}.Host") is not null || config.Has($"Peers.Targets.{i}"); i++)
        {
            var key = $"Peers.Targets[{i}]";
            var host = config.RequiredString($"Peers.Targets.{i}.Host", "10.0.0.2");
            targets.Add(new PeerTarget
            {
                Host = host,
                Port = config.Int($"Peers.Targets.{i}.Port", PeerTarget.DefaultPort, 1, 65535),
                User = config.String($"Peers.Targets.{i}.User") ?? PeerTarget.DefaultUser,
                Directory = config.String($"Peers.Targets.{i}.Directory") ?? snapshotDirectory,
                ControlSocket = config.String($"Peers.Targets.{i}.ControlSocket") ?? PeerTarget.DefaultControlSocket,
                Backupctl = config.String($"Peers.Targets.{i}.Backupctl") ?? PeerTarget.DefaultBackupctl,
                TrustOnFirstUse = config.Bool($"Peers.Targets.{i}.TrustOnFirstUse", false),
                Prune = config.Bool($"Peers.Targets.{i}.Prune", false),
            });
            if (!targets[^1].Directory.StartsWith('/'))
            {
                config.Problem($"{key}.Directory", $"'{targets[^1].Directory}' must be an absolute path");
            }
        }

        var options = new PeersOptions
        {
            Targets = targets,
            IdentityFile = config.ExistingFile("Peers.IdentityFile"),
            KnownHostsFile = config.String("Peers.KnownHostsFile"),
            Parallelism = config.Int("Peers.Parallelism", DefaultParallelism, 1, 32),
            Attempts = config.Int("Peers.Attempts", DefaultAttempts, 1, 10),
            Timeout = TimeSpan.FromSeconds(config.Int("Peers.TimeoutSeconds", DefaultTimeoutSeconds, 10, 86400)),
            ConnectTimeout = TimeSpan.FromSeconds(config.Int("Peers.ConnectTimeoutSeconds", DefaultConnectTimeoutSeconds, 1, 300)),
            RetryInterval = TimeSpan.FromSeconds(config.Int("Peers.RetrySeconds", DefaultRetrySeconds, 5, 86400)),
        };
        if (targets.Count > 0)
        {
            if (options.IdentityFile is null && config.String("Peers.IdentityFile") is null)
            {
                config.Problem("Peers.IdentityFile", "is required when Peers.Targets is set (an OpenSSH private key)");
            }

            if (options.KnownHostsFile is null)
            {
                config.Problem("Peers.KnownHostsFile", "is required when Peers.Targets is set: peers' host keys are pinned");
            }
            else if (!File.Exists(options.KnownHostsFile) && !targets.Exists(t => t.TrustOnFirstUse))
            {
                config.Problem("Peers.KnownHostsFile", $"file '{options.KnownHostsFile}' does not exist");
            }
        }

        return options;
    }
}
