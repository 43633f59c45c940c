using EtcdBackupd.Protocol.Restore;
using EtcdBackupd.Protocol.Results;
using EtcdBackupd.Snapshots;

namespace EtcdBackupd.Tests.Cli;

/// <summary>
/// Results as long as real clusters make them: three members named as cloud hosts name them, peer URLs
/// with those names, nine-digit revisions, long errors and pin labels, sizes in GiB.
/// </summary>
internal static class WorstCase
{
    public static readonly DateTimeOffset Now = new(2026, 11, 25, 8, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset Taken = new(2026, 11, 25, 5, 0, 0, TimeSpan.Zero);
    public static readonly string[] Members =
        ["ip-10-120-201-233.eu-central-1.compute.internal", "ip-10-120-202-17.eu-central-1.compute.internal", "ip-10-120-203-154.eu-central-1.compute.internal"];

    public const string Directory = "/var/lib/etcd-backupd/snapshots-of-the-production-cluster";
    public const string Sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    public const long Bytes = 8_123_456_789;
    public const string Label = "before-etcd-3.5.17-upgrade-of-the-production-cluster-on-a-Sunday";
    public const string Refused = "cannot connect to ip-10-120-203-154.eu-central-1.compute.internal:22: Connection refused (is sshd running there, "
        + "and does a firewall let this master through?)";

    public static string File(int member = 0, DateTimeOffset? at = null) =>
        $"etcd-snapshot-{at ?? Taken:yyyyMMdd'T'HHmmss'Z'}-{Members[member]}-r123456789.db";

    public static string Path(int member = 0, DateTimeOffset? at = null) => $"{Directory}/{File(member, at)}";

    public static string PeerUrl(int member) => $"https://{Members[member]}:2380";

    public static string InitialCluster => string.Join(",", Members.Select((m, i) => $"{m}={PeerUrl(i)}"));

    public static PeerCopy[] Copies =>
        [new(Members[1], 22, true, false, null), new(Members[2], 22, false, false, Refused)];

    public static SnapshotReport Report => new()
    {
        Ok = true, Path = Path(), SizeBytes = Bytes, Sha256 = Sha, Revision = 123456789, CreatedAt = Taken, FinishedAt = Taken.AddSeconds(95),
        DurationSeconds = 95.25, Reason = "schedule: '0 5 * * *' at 2026-11-25T05:00:00Z; this member leads", Failure = null, Error = null,
        Peers = Copies, Pinned = new PinResult(Path(), new SnapshotPin(Label, Taken.AddMinutes(2)), Copies),
        Offsite =
        [
            new OffsiteCopy("primary-eu-central", $"clusters/prod-1/{File()}.zst.age", true, false, null),
            new OffsiteCopy("dr-on-premises-ceph", $"clusters/prod-1/{File()}.zst.age", false, false,
                "gave up after Offsite.TimeoutSeconds (3600 s): the connection to s3.dr.example.net:443 failed: Connection reset by peer"),
        ],
    };

    public static StatusResult Status => new()
    {
        Version = "0.2.0",
        Etcd = new EtcdHealth
        {
            Healthy = true, Endpoint = $"https://{Members[0]}:2379/", Version = "3.5.16", Member = Members[0], Leader = Members[1], IsLeader = false,
            Revision = 123456999, DbSizeBytes = Bytes,
        },
        SnapshotDirectory = Directory, Running = true, LastAttempt = Report with { Ok = false, Error = Refused, Failure = "EtcdUnavailable" },
        LastSuccess = Report, NextScheduled = Taken.AddDays(1), Schedules = ["0 5 * * *", "0 17 * * 1-5", "30 */4 * * 6,0"],
        TimeZone = "America/Argentina/ComodRivadavia", TakenBy = "leader", Retention = new RetentionRule(3650, 100), Peers = Copies,
        Health = new HealthReport(false,
        [
            new HealthProblem(HealthReason.CopyFailed, $"the last copy to {Members[2]}:22 failed: {Refused}"),
            new HealthProblem(HealthReason.CertificateExpiring, "etcd's client certificate /etc/kubernetes/pki/etcd/healthcheck-client.crt expires in 12 days"),
        ]),
        NewestSnapshot = new HeldSnapshot(Path(2), Taken, Members[2], 123456789, Bytes),
        NewestOwnSnapshot = new HeldSnapshot(Path(), Taken.AddDays(-1), Members[0], 123400000, Bytes),
        PeerRecords =
        [
            new PeerRecord { Peer = $"{Members[1]}:22", LastSuccessAt = Taken, LastAttemptAt = Taken, LastOk = true, LastError = null, Failures = 0 },
            new PeerRecord { Peer = $"{Members[2]}:22", LastSuccessAt = Taken.AddDays(-3), LastAttemptAt = Taken, LastOk = false, LastError = Refused, Failures = 12345 },
        ],
        OffsiteRecords =
        [
            new OffsiteRecord { Target = "primary-eu-central", LastSuccessAt = Taken, LastAttemptAt = Taken, LastOk = true, LastError = null, Failures = 0 },
            new OffsiteRecord { Target = "dr-on-premises-ceph", LastSuccessAt = Taken.AddDays(-3), LastAttemptAt = Taken, LastOk = false, LastError = Refused, Failures = 678 },
        ],
        ClientCertificateExpiresAt = Now.AddDays(12),
        Pinned = [new PinnedSnapshot(Path(), Label, Taken), new PinnedSnapshot(Path(1), "before-upgrade", Taken)],
        RestoreSession = Session,
    };

    public static SessionState Session => new()
    {
        Session = "20261125T050000Z-7f3a9c2e", Outcome = SessionOutcome.Open, Snapshot = File(), Sha256 = Sha,
        Coordinator = $"{Members[0]} (etcd-backupctl pid 123456)", OpenedAt = Taken,
        Done = [RestorePhase.Check, RestorePhase.StopApi, RestorePhase.StopEtcd], Running = RestorePhase.RestoreData, LeaseSecondsLeft = 87,
    };

    public static IReadOnlyList<ListEntry> List =>
    [
        new ListEntry(Path(0), Bytes, Sha, 123456789, Taken, Members[0], Verification.Ok) { Pin = new SnapshotPin(Label, Taken) },
        new ListEntry(Path(1), Bytes, Sha, 123456789, Taken, Members[1], Verification.Unchecked),
        new ListEntry(Path(2, Taken.AddDays(-29)), 1023, null, 123456789, Taken.AddDays(-29), Members[2], Verification.Corrupt),
        new ListEntry(Path(2, Taken.AddDays(-400)), 0, null, 1, Taken.AddDays(-400), Members[2], Verification.Skipped)
            { Note = "not a regular file (a FIFO), left alone" },
    ];

    public static IReadOnlyList<PeerCheck> PeerChecks =>
    [
        new PeerCheck { Host = Members[1], Port = 2222, User = "etcd-backupd", Directory = Directory, Reachable = true, HostKey = HostKeyState.Ok, DirectoryExists = true },
        new PeerCheck { Host = Members[2], Port = 22, User = "etcd-backupd", Directory = Directory, Reachable = false, Error = Refused },
        new PeerCheck
        {
            Host = Members[0], Port = 22, User = "root", Directory = Directory, Reachable = true, HostKey = HostKeyState.Refused,
            Error = "the host key SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU is not the one pinned in Peers.Targets[2].HostKey",
        },
    ];

    public static CheckResult Check => CheckResult.Of(
    [
        new CheckLine("configuration", true, "/etc/etcd-backupd/etcd-backupd.json reads and is the one in force"),
        new CheckLine("tls", false, "Etcd.CertFile /etc/kubernetes/pki/etcd/healthcheck-client.crt and Etcd.KeyFile "
            + "/etc/kubernetes/pki/etcd/healthcheck-client.key do not belong together: the key is not the certificate's"),
        new CheckLine("peer", false, Refused) { Target = $"{Members[2]}:22" },
    ]);

    public static RestoreParameters Parameters(int member) => new(
        new Sourced(Members[member], "--name in /etc/kubernetes/manifests/etcd.yaml"),
        new Sourced(InitialCluster, "--initial-cluster in /etc/kubernetes/manifests/etcd.yaml"),
        new Sourced("etcd-cluster-production-eu-central-1", "--initial-cluster-token in /etc/kubernetes/manifests/etcd.yaml"),
        new Sourced(PeerUrl(member), "--initial-advertise-peer-urls in /etc/kubernetes/manifests/etcd.yaml"),
        new Sourced("/var/lib/etcd", "--data-dir in /etc/kubernetes/manifests/etcd.yaml"));

    public static string Command(int member) =>
        $"/usr/local/bin/etcdutl snapshot restore {Path()} --name {Members[member]} --initial-cluster {InitialCluster} "
        + $"--initial-cluster-token etcd-cluster-production-eu-central-1 --initial-advertise-peer-urls {PeerUrl(member)} --data-dir /var/lib/etcd.restored";

    public static readonly Sourced Tool = new("/usr/local/bin/etcdutl", "beside /usr/local/bin/etcd, the etcd of ExecStart in /etc/systemd/system/etcd.service");

    public static ClusterMatch Match => new("c0ffee0ddba11", "cdf818194e3a8c32", ["9a1b2c3d4e5f6071", "cdf818194e3a8c32"], ClusterVerdict.Other, true,
        "the snapshot is of cluster c0ffee0ddba11; this cluster is cdf818194e3a8c32 and has been 9a1b2c3d4e5f6071; restoring it replaces this "
        + "cluster's data with another cluster's: add --other-cluster if that is what you mean");

    public static RestorePlan Plan => new()
    {
        Snapshot = Path(), Command = Command(0), Parameters = Parameters(0), Tool = Tool, Cluster = Match,
        Problems = ["etcd.service is not the unit that runs etcd here: /etc/kubernetes/manifests/etcd.yaml is a static pod (kubelet restarts it)"],
    };
}
