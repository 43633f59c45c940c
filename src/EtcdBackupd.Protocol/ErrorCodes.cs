namespace EtcdBackupd.Protocol;

/// <summary>The <c>error.code</c> values of a refused or failed request (docs/control-protocol.md).</summary>
internal static class ErrorCodes
{
    /// <summary>Not a JSON object, no string <c>command</c>, an unknown field, a duplicate key, a wrong type or a missing argument.</summary>
    public const string BadRequest = "bad_request";

    /// <summary>The request line exceeded <see cref="ControlFraming.MaxRequestBytes"/>; the connection is closed.</summary>
    public const string TooLarge = "request_too_large";

    public const string UnknownCommand = "unknown_command";

    public const string Forbidden = "forbidden";

    public const string NotFound = "not_found";

    /// <summary><c>verify</c> found a wrong trailer or a file that differs from its manifest.</summary>
    public const string InvalidSnapshot = "invalid_snapshot";

    /// <summary>The operation was attempted and failed; the message says why.</summary>
    public const string Failed = "failed";

    public const string Idle = "idle_timeout";

    /// <summary>A cluster restore member speaks another protocol version (masters are upgraded one at a time).</summary>
    public const string ProtocolMismatch = "protocol_mismatch";

    /// <summary>A <c>restore-phase</c> names a session that is not open on this member (never opened, or already closed).</summary>
    public const string NoSession = "no_session";

    /// <summary>
    /// A restore session's coordinator still holds its lease, or a step runs: only the coordinator may
    /// step or roll it back now; <c>restore --recover</c> works once the lease has run out.
    /// </summary>
    public const string LeaseHeld = "lease_held";

    /// <summary>A caller other than root asked for another new snapshot within <c>Control.SnapshotIntervalSeconds</c>.</summary>
    public const string RateLimited = "rate_limited";

    /// <summary>An ad-hoc snapshot would leave less than <c>Snapshots.ReserveBytes</c> free; nothing was written.</summary>
    public const string InsufficientSpace = "insufficient_space";

    /// <summary>The caller's uid holds <c>Control.ConnectionsPerUser</c> connections already, or every slot is taken.</summary>
    public const string Busy = "busy";

    /// <summary>
    /// Written by <c>etcd-backupctl call</c>, never by the daemon: the daemon gave no answer (it is not running, or the
    /// connection closed before its final answer: it stopped or was killed meanwhile). The request may have run when the
    /// connection closed; a restore phase is safe to ask again, and the cluster restore's coordinator does.
    /// </summary>
    public const string NoAnswer = "no_answer";

    /// <summary>The daemon is stopping; the request's work was not finished (a snapshot: nothing was saved).</summary>
    public const string Stopping = "stopping";

    /// <summary>
    /// The snapshot is of another cluster (its manifest's cluster ID is outside this cluster's lineage)
    /// and the restore did not say <c>otherCluster</c>; nothing was stopped. Also a <c>fetch</c> (from peers or off-site) of a
    /// snapshot named whose manifest is of another cluster, or of the newest from peers that hold snapshots of clusters not
    /// one cluster's history while this master records none; nothing was downloaded.
    /// </summary>
    public const string OtherCluster = "other_cluster";

    /// <summary>A <c>fetch</c> met a host key that does not match <c>Peers.KnownHostsFile</c>; nothing was downloaded from that peer.</summary>
    public const string HostKeyRefused = "host_key_refused";

    /// <summary>A <c>fetch</c>'s snapshot name is here already with other contents; nothing was replaced.</summary>
    public const string Exists = "exists";

    /// <summary>The CLI's exit code for an error code: usage errors are 2, everything else 1.</summary>
    public static int ExitCode(string code) => code is BadRequest or UnknownCommand or TooLarge ? ExitCodes.Usage : ExitCodes.Failed;
}

/// <summary>The <c>error</c> object of a final answer.</summary>
internal sealed record ControlError(string Code, string Message);
