namespace EtcdBackupd.Fetch;

/// <summary>Why a fetch brought nothing; the control answer's code is read from it, the message is for the operator.</summary>
internal enum FetchFailure
{
    /// <summary>No peer asked has the snapshot (or any snapshot, for the newest).</summary>
    NotFound,

    /// <summary>A peer's host key did not match <c>Peers.KnownHostsFile</c>, and no other peer gave the snapshot.</summary>
    HostKeyRefused,

    /// <summary>The peer's copy fails etcd's trailer, differs from its manifest, or has none.</summary>
    Invalid,

    /// <summary>A file of that name is here already, with other contents.</summary>
    Exists,

    /// <summary>The snapshot does not fit in this master's directory; no peer was asked further.</summary>
    NoSpace,

    /// <summary>Writing into this master's directory failed otherwise (read-only, an I/O error); no source was blamed or asked further.</summary>
    WriteFailed,

    /// <summary>A peer could not be reached or read, and no other peer gave the snapshot.</summary>
    Unreachable,

    /// <summary>The off-site object named is of another cluster (its manifest's cluster ID is not in this cluster's lineage).</summary>
    OtherCluster,

    /// <summary>The off-site object is encrypted, and no identity configured (<c>Offsite.AgeIdentityFile</c>) opens it.</summary>
    KeyProblem,
}

internal sealed class FetchException(FetchFailure failure, string message) : Exception(message)
{
    public FetchFailure Failure { get; } = failure;
}

/// <summary>A snapshot now in this master's directory, verified, with its manifest; <see cref="AlreadyHere"/> when nothing was downloaded.</summary>
internal sealed record Fetched(string Path, Snapshots.SnapshotManifest Manifest, Peers.PeerTarget From, bool AlreadyHere);
