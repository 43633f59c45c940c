using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EtcdBackupd.Protocol;
using EtcdBackupd.Protocol.Requests;
using EtcdBackupd.Protocol.Restore;
using EtcdBackupd.Protocol.Results;
using EtcdBackupd.Snapshots;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Control;

/// <summary>
/// The wire format, pinned: one golden file per command holds its request and its answers, as
/// docs/control-protocol.md describes them. Field names, types, and whether a field is null or left
/// out must match; field order and whitespace are not part of the contract.
/// <c>GOLDEN_UPDATE=1</c> rewrites the files from the records (then read the diff before committing).
/// </summary>
[Category("Fast")]
internal sealed class ProtocolGoldenTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 24, 5, 0, 0, TimeSpan.Zero);

    private static readonly PeerCopy Copied = new("10.0.0.2", 22, true, false, null) { Directory = "/var/lib/etcd-backupd/snapshots" };
    private static readonly PeerCopy Failed = new("10.0.0.3", 22, false, false, "cannot connect: Connection refused") { Directory = "/var/lib/etcd-backupd/snapshots" };

    private static readonly SnapshotReport Report = new()
    {
        Ok = true, Path = "/var/lib/etcd-backupd/snapshots/etcd-snapshot-20261124T050000Z-m1-r1234.db", SizeBytes = 20480,
        Sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", Revision = 1234, CreatedAt = At,
        FinishedAt = At.AddSeconds(2), DurationSeconds = 2.125, Reason = "schedule: '0 5 * * *' at 2026-11-24T05:00:00Z; this member leads",
        Failure = null, Error = null, Peers = [Copied, Failed],
    };

    private static readonly SnapshotFacts Facts = new("etcdutl", 3012345678, 1234, 1180, 20480, "3.5.0");

    private static readonly SnapshotPin Pin = new("before-etcd-3.5.17", At.AddHours(1));

    private static readonly PeerCopy NotHeld = new("10.0.0.4", 22, true, true, null) { Directory = "/var/lib/etcd-backupd/snapshots" };

    private static readonly HeldSnapshot Held = new(Report.Path!, At, "m1", 1234, 20480);

    private static readonly RestoreParameters Parameters = new(
        new Sourced("m1", "Restore.Name in the configuration"), new Sourced("m1=https://10.0.0.1:2380", "--initial-cluster in /etc/systemd/system/etcd.service"),
        new Sourced("etcd-cluster-0", "--initial-cluster-token in /etc/systemd/system/etcd.service"),
        new Sourced("https://10.0.0.1:2380", "--initial-advertise-peer-urls in /etc/systemd/system/etcd.service"),
        new Sourced("/var/lib/etcd", "--data-dir in /etc/systemd/system/etcd.service"));

    private const string Command = "etcdutl snapshot restore /var/lib/etcd-backupd/snapshots/etcd-snapshot-20261124T050000Z-m1-r1234.db --name m1";

    private static readonly RestorePlan Plan = new() { Snapshot = Report.Path!, Command = Command, Parameters = Parameters, Problems = [] };

    private static readonly ClusterMatch OtherCluster = new("c3f1e2d4a5b6c7d8", "cdf818194e3a8c32", ["9a1b2c3d4e5f6071", "cdf818194e3a8c32"], ClusterVerdict.Other, true,
        "the snapshot is of cluster c3f1e2d4a5b6c7d8; this cluster is cdf818194e3a8c32 and has been 9a1b2c3d4e5f6071; "
        + "restoring it replaces this cluster's data with another cluster's: add --other-cluster if that is what you mean");

    /// <summary>Each golden file: a request and the answers it may get.</summary>
    private static IEnumerable<TestCaseData> Cases()
    {
        yield return Case("status", Request(new StatusRequest(), ProtocolJsonContext.Default.StatusRequest),
            Reply.Success(new StatusResult
            {
                Version = "0.2.0", SnapshotDirectory = "/var/lib/etcd-backupd/snapshots", Running = false,
                Etcd = new EtcdHealth
                {
                    Healthy = true, Endpoint = "https://10.0.0.1:2379/", Version = "3.5.16", Member = "m1", Leader = "m1", IsLeader = true,
                    Revision = 1240, DbSizeBytes = 20480,
                },
                LastAttempt = Report, LastSuccess = Report, NextScheduled = At.AddDays(1), Schedules = ["0 5 * * *"], TimeZone = "UTC",
                TakenBy = "leader", Retention = new RetentionRule(30, 3), Peers = [Copied, Failed],
                Health = new HealthReport(false, [new(HealthReason.CopyFailed, "the last copy to 10.0.0.3:22 failed (etcd-snapshot-20261124T050000Z-m1-r1234.db): cannot connect: Connection refused")]),
                NewestSnapshot = Held, NewestOwnSnapshot = Held,
                PeerRecords =
                [
                    new PeerRecord { Peer = "10.0.0.2:22", LastSuccessAt = At.AddSeconds(2), LastAttemptAt = At.AddSeconds(2), LastOk = true, LastError = null, Failures = 0 },
                    new PeerRecord { Peer = "10.0.0.3:22", LastSuccessAt = At.AddDays(-1), LastAttemptAt = At.AddSeconds(2), LastOk = false, LastError = Failed.Error, Failures = 2, LastSnapshot = "etcd-snapshot-20261124T050000Z-m1-r1234.db" },
                ],
                ClientCertificateExpiresAt = At.AddDays(200),
                Pinned = [new PinnedSnapshot(Report.Path!, Pin.Label, Pin.PinnedAt)],
            }, ProtocolJsonContext.Default.StatusResult),
            Reply.Success(new StatusResult
            {
                Version = "0.2.0", SnapshotDirectory = "/var/lib/etcd-backupd/snapshots", Running = true,
                Etcd = new EtcdHealth { Healthy = false, Error = "etcd did not answer in time" },
                LastAttempt = Report with { Ok = false, Path = null, SizeBytes = null, Sha256 = null, Revision = null, CreatedAt = null, Failure = "EtcdUnavailable", Error = "no endpoint answered", Peers = [] },
                LastSuccess = null, NextScheduled = null, Schedules = ["0 5 * * *", "0 17 * * *"], TimeZone = "Asia/Shanghai",
                TakenBy = "every", Retention = new RetentionRule(30, 3), Peers = [],
                Health = new HealthReport(false,
                [
                    new(HealthReason.EtcdUnreachable, "etcd does not answer: etcd did not answer in time"),
                    new(HealthReason.NoRecentSnapshot, "the newest verified snapshot held here was taken 26 h ago (member m2), more than Health.MaxSnapshotAgeMinutes (12 h)"),
                    new(HealthReason.CertificateExpiring, "etcd's client certificate (Etcd.CertFile) expires in 12 d, at 2026-12-06 05:00 UTC, within Health.CertificateWarningDays (30)"),
                ]),
                NewestSnapshot = new HeldSnapshot("/var/lib/etcd-backupd/snapshots/etcd-snapshot-20261123T030000Z-m2-r1100.db", At.AddHours(-26), "m2", 1100, 20480), NewestOwnSnapshot = null, PeerRecords = [],
                ClientCertificateExpiresAt = At.AddDays(12),
            }, ProtocolJsonContext.Default.StatusResult));
        yield return Case("snapshot", Request(new SnapshotRequest(), ProtocolJsonContext.Default.SnapshotRequest),
            Event(ProgressEvent.Snapshot(524288000, 1300234272)),
            Reply.Success(Report, ProtocolJsonContext.Default.SnapshotReport),
            Reply.Failure(ErrorCodes.Failed, "DiskFull: no space left on /var/lib/etcd-backupd/snapshots"));
        yield return Case("snapshot-pin", Request(new SnapshotRequest { Pin = Pin.Label }, ProtocolJsonContext.Default.SnapshotRequest),
            Reply.Success(Report with { Pinned = new PinResult(Report.Path!, Pin, [Copied, Failed]) }, ProtocolJsonContext.Default.SnapshotReport),
            Reply.Failure(ErrorCodes.BadRequest, "snapshot: a pin's label holds only letters, digits, '.', '_' or '-'; '/' is not allowed; no snapshot was taken"),
            Reply.Failure(ErrorCodes.Forbidden, "'snapshot' needs root (uid 0); uid 1000 may use status, snapshot without --pin, list, verify without --offsite, prune --dry-run, peers"));
        yield return Case("pin", Request(new PinRequest { File = "etcd-snapshot-20261124T050000Z-m1-r1234.db", Label = Pin.Label }, ProtocolJsonContext.Default.PinRequest),
            Reply.Success(new PinResult(Report.Path!, Pin, [Copied, Failed, NotHeld]), ProtocolJsonContext.Default.PinResult),
            Reply.Failure(ErrorCodes.BadRequest, "pin: a pin's label is at most 64 characters; this one has 70"),
            Reply.Failure(ErrorCodes.NotFound, $"'{Report.Path}' does not exist"),
            Reply.Failure(ErrorCodes.Forbidden, "'pin' needs root (uid 0); uid 1000 may use status, snapshot without --pin, list, verify without --offsite, prune --dry-run, peers"));
        yield return Case("unpin", Request(new UnpinRequest { File = "etcd-snapshot-20261124T050000Z-m1-r1234.db" }, ProtocolJsonContext.Default.UnpinRequest),
            Reply.Success(new PinResult(Report.Path!, null, [Copied, NotHeld]), ProtocolJsonContext.Default.PinResult),
            Reply.Failure(ErrorCodes.Failed, "'/var/lib/etcd-backupd/snapshots/etcd-snapshot-20261124T050000Z-m1-r1234.json' is missing or not a manifest; "
                + "the pin lives in the manifest, so none was written (the snapshot itself is untouched)"));
        yield return Case("list", Request(new ListRequest(), ProtocolJsonContext.Default.ListRequest),
            Reply.Success<IReadOnlyList<ListEntry>>(
            [
                new(Report.Path!, 20480, Report.Sha256, 1234, At, "m1", Verification.Ok),
                new("/var/lib/etcd-backupd/snapshots/etcd-snapshot-20261123T050000Z-m2-r1100.db", 20480, null, 1100, At.AddDays(-1), "m2", Verification.Unchecked),
                new("/var/lib/etcd-backupd/snapshots/etcd-snapshot-20260801T050000Z-m1-r10.db", 20480, Report.Sha256, 10, At.AddDays(-115), "m1", Verification.Ok) { Pin = Pin },
            ], ProtocolJsonContext.Default.IReadOnlyListListEntry));
        yield return Case("verify", Request(new VerifyRequest { File = "etcd-snapshot-20261124T050000Z-m1-r1234.db" }, ProtocolJsonContext.Default.VerifyRequest),
            Reply.Success(new VerifyResult(Report.Path!, 20480, Report.Sha256!, "ok", "ok"), ProtocolJsonContext.Default.VerifyResult),
            Reply.Failure(ErrorCodes.InvalidSnapshot, $"'{Report.Path}': etcd's SHA-256 trailer does not match the data"),
            Reply.Failure(ErrorCodes.NotFound, $"'{Report.Path}' does not exist"));
        yield return Case("verify-sent", Request(new VerifyRequest { File = "/root/offsite/etcd-2026-01.db", Descriptor = new SentDescriptor() }, ProtocolJsonContext.Default.VerifyRequest),
            Reply.Success(new VerifyResult("/root/offsite/etcd-2026-01.db", 20480, Report.Sha256!, "ok", "missing") { Etcd = Facts }, ProtocolJsonContext.Default.VerifyResult),
            Reply.Failure(ErrorCodes.BadRequest, "'/root/offsite/etcd-2026-01.db' is not a regular file (a FIFO), left alone: a snapshot is a regular file"),
            Reply.Failure(ErrorCodes.InvalidSnapshot, "'/root/offsite/etcd-2026-01.db': etcd's SHA-256 trailer does not match the data (truncated or damaged); nothing was changed"),
            Reply.Failure(ErrorCodes.BadRequest, "verify: the request says a file comes with it (\"descriptor\"), but no open file came (SCM_RIGHTS) with its bytes"),
            Reply.Failure(ErrorCodes.BadRequest, "verify: exactly one open file may come with a request (SCM_RIGHTS); 2 came"));
        yield return Case("import", Request(new ImportRequest { File = "/root/offsite/etcd-2026-01.db", Descriptor = new SentDescriptor(), Pin = "cron-era" },
                ProtocolJsonContext.Default.ImportRequest),
            Reply.Success(new ImportResult
            {
                Path = "/var/lib/etcd-backupd/snapshots/etcd-snapshot-20260101T020000Z-imported-r1234.db", Origin = "/root/offsite/etcd-2026-01.db", SizeBytes = 20480,
                Sha256 = Report.Sha256!, Revision = 1234, CreatedAt = new DateTimeOffset(2026, 1, 1, 2, 0, 0, TimeSpan.Zero), HadManifest = false, Etcd = Facts,
                AlreadyHere = false, Pin = new SnapshotPin("cron-era", At),
                Peers = [new PeerCopy("10.0.0.12", 22, true, false, null) { Directory = "/var/lib/etcd-backupd/snapshots" }, new PeerCopy("10.0.0.13", 22, false, false, "cannot connect to 10.0.0.13:22: Connection refused") { Directory = "/var/lib/etcd-backupd/snapshots" }],
            }, ProtocolJsonContext.Default.ImportResult),
            Reply.Failure(ErrorCodes.Exists, "/var/lib/etcd-backupd/snapshots/etcd-snapshot-20260101T020000Z-imported-r1234.db exists and differs from '/root/offsite/etcd-2026-01.db'; nothing was replaced: move it away first if '/root/offsite/etcd-2026-01.db' is wanted"),
            Reply.Failure(ErrorCodes.InvalidSnapshot, "'/root/offsite/etcd-2026-01.db' has no manifest, and etcd's tool could not vouch for it: etcdutl snapshot status failed: invalid database"));
        yield return Case("prune", Request(new PruneRequest { DryRun = true }, ProtocolJsonContext.Default.PruneRequest),
            Reply.Success(new PruneResult(true, [new("/var/lib/etcd-backupd/snapshots/etcd-snapshot-20260801T050000Z-m1-r10.db",
                "older than 30 days (2026-08-01T05:00:00Z) and 3 newer verified snapshots are kept")]), ProtocolJsonContext.Default.PruneResult),
            Reply.Failure(ErrorCodes.Forbidden, "'prune' needs root (uid 0); uid 1000 may use status, snapshot without --pin, list, verify without --offsite, prune --dry-run, peers"));
        yield return Case("peers", Request(new PeersRequest(), ProtocolJsonContext.Default.PeersRequest),
            Reply.Success<IReadOnlyList<PeerCheck>>(
            [
                new() { Host = "10.0.0.2", Port = 22, User = "root", Directory = "/var/lib/etcd-backupd/snapshots", Reachable = true, HostKey = HostKeyState.Ok, DirectoryExists = true },
                new() { Host = "10.0.0.3", Port = 22, User = "root", Directory = "/var/lib/etcd-backupd/snapshots", Reachable = true, HostKey = HostKeyState.Refused, Error = "the host key of 10.0.0.3:22 changed" },
                new() { Host = "10.0.0.4", Port = 2222, User = "backup", Directory = "/srv/etcd", Reachable = false, Error = "cannot connect: Connection refused" },
            ], ProtocolJsonContext.Default.IReadOnlyListPeerCheck));
        yield return Case("check", Request(new CheckRequest(), ProtocolJsonContext.Default.CheckRequest),
            Reply.Success(CheckResult.Of(
            [
                new("configuration", true, "/etc/etcd-backupd/etcd-backupd.json: every key known and valid; it is the configuration in force"),
                new("tls", true, "the client certificate CN=etcd-backupd and Etcd.KeyFile belong together; it expires on 2027-11-24 05:00 UTC, in 365 days; "
                    + "Etcd.CaFile holds 1 CA certificate"),
                new("etcd", true, "https://10.0.0.1:2379/ answers: member m1, the leader, etcd 3.5.16, database 20.0 KiB, revision 1240"),
                new("snapshot-directory", true, "/var/lib/etcd-backupd/snapshots is writable, 12.3 GiB free; a snapshot of the database needs 1.0 MiB"),
                new("peer", true, "reachable, host key as pinned, /var/lib/etcd-backupd/snapshots writable, 8.1 GiB free; a copy needs 1.0 MiB") { Target = "root@10.0.0.2:22" },
                new("peer", false, "cannot connect: Connection refused") { Target = "root@10.0.0.3:22" },
                new("restore", true, "member m1 (from --name in ExecStart of /etc/systemd/system/etcd.service), data directory /var/lib/etcd "
                    + "(from --data-dir in ExecStart of /etc/systemd/system/etcd.service); restore tool /usr/bin/etcdutl"),
            ]), ProtocolJsonContext.Default.CheckResult));
        yield return Case("restore", Request(new RestoreRequest { File = "etcd-snapshot-20261124T050000Z-m1-r1234.db", Yes = true }, ProtocolJsonContext.Default.RestoreRequest),
            Reply.Success(Plan with
            {
                Cluster = new("9a1b2c3d4e5f6071", "cdf818194e3a8c32", ["9a1b2c3d4e5f6071", "cdf818194e3a8c32"], ClusterVerdict.Lineage, false,
                    "the snapshot is of cluster 9a1b2c3d4e5f6071, which this cluster was before a restore (this cluster is cdf818194e3a8c32)"),
            }, ProtocolJsonContext.Default.RestorePlan),
            Event(ProgressEvent.Restore("stop kube-apiserver.service", 0.04, null)),
            Reply.Success(new LocalRestoreResult
            {
                Snapshot = Plan.Snapshot, Command = Plan.Command, Parameters = Parameters, Problems = [],
                Steps = ["stop kube-apiserver.service", "stop etcd.service"], OldDataDir = "/var/lib/etcd.before-restore-20261124T060000Z",
                OldWalDir = "/var/lib/etcd-wal.before-restore-20261124T060000Z",
            }, ProtocolJsonContext.Default.LocalRestoreResult),
            Reply.Failure(ErrorCodes.BadRequest, "a restore stops the API servers and etcd on this member and replaces its data: confirm with \"yes\": true (etcd-backupctl restore FILE --yes)"));
        yield return Case("restore-cluster", Request(new RestoreRequest { File = "etcd-snapshot-20261124T050000Z-m1-r1234.db", Cluster = true, DryRun = true }, ProtocolJsonContext.Default.RestoreRequest),
            Reply.Success(new ClusterPlan(Report.Path!, Report.Sha256, true, [.. RestorePhases.Runbook.Select(p => p.Wire())],
            [
                new() { Member = "this master", Copy = "same snapshot", Snapshot = Plan.Snapshot, Command = Command, Parameters = Parameters, Problems = [], Present = true, Sha256 = Report.Sha256, Protocol = 2 },
                new() { Member = "root@10.0.0.3:22", Copy = "missing: would be pushed", Error = "no restore session 'dry-run' on this member" },
                new() { Member = "root@10.0.0.4:22: cannot connect", Error = "unreachable: a real restore would stop here" },
            ], OtherCluster), ProtocolJsonContext.Default.ClusterPlan),
            Reply.Failure(ErrorCodes.OtherCluster, $"restore refused: {OtherCluster.Message}; nothing was stopped"),
            Event(ProgressEvent.Restore("stop etcd.service", 3.2, "root@10.0.0.2:22")),
            Reply.Success(new ClusterRestoreResult("etcd-snapshot-20261124T050000Z-m1-r1234.db", Report.Sha256!,
                [new("this master", ["stop etcd.service"]), new("root@10.0.0.2:22", ["stop etcd.service"])]), ProtocolJsonContext.Default.ClusterRestoreResult),
            Reply.Failure(ErrorCodes.Failed, "cluster restore failed in phase 'start-etcd': root@10.0.0.2:22: exited 1; every member that got that far (2) was rolled back to its old data",
                new ClusterRestoreResult("etcd-snapshot-20261124T050000Z-m1-r1234.db", Report.Sha256!,
                    [new("this master", ["start etcd.service", "rolled back: start etcd.service"]), new("root@10.0.0.2:22", ["start-etcd FAILED: exited 1"])]),
                ProtocolJsonContext.Default.ClusterRestoreResult));
        yield return Case("restore-phase", Request(new RestorePhaseRequest
            {
                Session = "20261124T060000Z-0123456789abcdef", Phase = RestorePhase.Check, File = "etcd-snapshot-20261124T050000Z-m1-r1234.db",
                Sha256 = Report.Sha256, Protocol = 2,
            }, ProtocolJsonContext.Default.RestorePhaseRequest),
            Reply.Success(new PhaseResult { Phase = RestorePhase.Check, Steps = ["checked"], Check = new MemberCheck("m1", true, Command, 2) }, ProtocolJsonContext.Default.PhaseResult),
            Reply.Success(new PhaseResult { Phase = RestorePhase.WaitHealthy, Steps = ["etcd.service is healthy"], Health = new MemberHealth("8e9e05c52164694d", "cdf818194e3a8c32", "8e9e05c52164694d") },
                ProtocolJsonContext.Default.PhaseResult),
            Reply.Failure(ErrorCodes.Failed, "the rollback was incomplete: ROLLBACK FAILED: start etcd.service: exited 1",
                new PhaseResult { Phase = RestorePhase.Rollback, Steps = ["ROLLBACK FAILED: start etcd.service: exited 1"], Rollback = RollbackState.Incomplete, OldDataDir = "/var/lib/etcd.before-restore-20261124T060000Z" },
                ProtocolJsonContext.Default.PhaseResult),
            Reply.Failure(ErrorCodes.ProtocolMismatch, "this member speaks restore protocol 2, the coordinator an older one"));
        yield return Case("fetch", Request(new FetchRequest { Source = new FetchSource { Kind = FetchSourceKind.Peer, Host = "10.0.0.2", Port = 22 }, Newest = true },
                ProtocolJsonContext.Default.FetchRequest),
            Event(ProgressEvent.Fetch(8192, 20480)),
            Reply.Success(new FetchResult
            {
                Path = Report.Path!, SizeBytes = 20480, Sha256 = Report.Sha256!, Revision = 1234, CreatedAt = At, Peer = "10.0.0.2:22",
                PeerDirectory = "/var/lib/etcd-backupd/snapshots", AlreadyHere = false,
            }, ProtocolJsonContext.Default.FetchResult),
            Reply.Failure(ErrorCodes.NotFound, "etcd-snapshot-20261124T050000Z-m1-r1234.db was not fetched: root@10.0.0.2:22: no etcd-snapshot-20261124T050000Z-m1-r1234.db in /var/lib/etcd-backupd/snapshots"),
            Reply.Failure(ErrorCodes.HostKeyRefused, "no peer has a snapshot with its manifest: root@10.0.0.2:22: the host key of root@10.0.0.2:22 (ssh-ed25519 SHA256:abc) is marked @revoked in '/etc/etcd-backupd/known_hosts'"),
            Reply.Failure(ErrorCodes.InvalidSnapshot, "etcd-snapshot-20261124T050000Z-m1-r1234.db was not fetched: root@10.0.0.2:22: the peer's copy of etcd-snapshot-20261124T050000Z-m1-r1234.db is refused: it fails etcd's SHA-256 trailer check; nothing was kept"),
            Reply.Failure(ErrorCodes.Exists, "/var/lib/etcd-backupd/snapshots/etcd-snapshot-20261124T050000Z-m1-r1234.db exists and differs from the peer's copy (SHA-256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08); it is not replaced: move it away first if the peer's is wanted"),
            Reply.Failure(ErrorCodes.BadRequest, "unknown peer 'peer:10.0.0.9': Peers.Targets has 10.0.0.2:22, 10.0.0.3:22"));
        const string Key = "clusters/prod-1/etcd-snapshot-20261124T050000Z-m1-r1234.db.zst.age";
        yield return Case("verify-offsite", Request(new VerifyRequest { File = "etcd-snapshot-20261124T050000Z-m1-r1234.db", Offsite = new OffsiteScope() }, ProtocolJsonContext.Default.VerifyRequest),
            Reply.Success(new OffsiteVerifyResult("etcd-snapshot-20261124T050000Z-m1-r1234.db",
            [
                new("primary", Key, OffsiteVerdict.Ok, null) { SizeBytes = 6144, Sha256 = "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae" },
                new("dr", Key, OffsiteVerdict.Mismatch, $"the stored object {Key} has SHA-256 fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9, not the 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae its manifest records (it was replaced or damaged)")
                    { SizeBytes = 6144, Sha256 = "fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9" },
                new("old", null, OffsiteVerdict.Missing, "clusters/prod-1/etcd-snapshot-20261124T050000Z-m1-r1234.json in old is missing or not the off-site manifest of etcd-snapshot-20261124T050000Z-m1-r1234.db"),
                new("down", null, OffsiteVerdict.Unreadable, "cannot reach s3.example.net: Connection refused"),
            ]), ProtocolJsonContext.Default.OffsiteVerifyResult),
            Reply.Failure(ErrorCodes.BadRequest, "no off-site target named 'dx': Offsite.Targets has primary, dr, old, down"));
        yield return Case("list-offsite", Request(new ListRequest { Offsite = new OffsiteScope { Target = "primary" } }, ProtocolJsonContext.Default.ListRequest),
            Reply.Success(new OffsiteListResult(
            [
                new("primary", "etcd-backups", "clusters/prod-1/",
                [
                    new(Key, OffsiteEntryState.Ok)
                    {
                        File = "etcd-snapshot-20261124T050000Z-m1-r1234.db", StoredBytes = 6144, SizeBytes = 20480, Sha256 = Report.Sha256, Revision = 1234, CreatedAt = At,
                        Member = "m1", ClusterId = "cdf818194e3a8c32", Compression = "zstd", Recipients = ["age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"], Pin = Pin,
                    },
                    new("clusters/prod-1/etcd-snapshot-20260101T000000Z-x1-r9.db.zst", OffsiteEntryState.OtherCluster)
                    {
                        File = "etcd-snapshot-20260101T000000Z-x1-r9.db", StoredBytes = 4096, SizeBytes = 20480, Sha256 = Report.Sha256, Revision = 9, CreatedAt = At.AddDays(-327),
                        Member = "x1", ClusterId = "c3f1e2d4a5b6c7d8", Compression = "zstd", Recipients = [],
                    },
                    new("clusters/prod-1/notes.txt", OffsiteEntryState.NoManifest) { StoredBytes = 12 },
                ]) { ClusterChecked = true },
            ]), ProtocolJsonContext.Default.OffsiteListResult),
            Reply.Success(new OffsiteListResult([new("down", "etcd-backups", "clusters/prod-1/", []) { ClusterChecked = false, Error = "cannot reach s3.example.net: Connection refused" }]),
                ProtocolJsonContext.Default.OffsiteListResult));
        yield return Case("fetch-offsite", Request(new FetchRequest { Source = new FetchSource { Kind = FetchSourceKind.Offsite, Target = "primary" }, Newest = true },
                ProtocolJsonContext.Default.FetchRequest),
            Event(ProgressEvent.Fetch(8192, 20480)),
            Reply.Success(new FetchResult
            {
                Path = Report.Path!, SizeBytes = 20480, Sha256 = Report.Sha256!, Revision = 1234, CreatedAt = At,
                Offsite = new OffsiteSource("primary", "etcd-backups", Key, "zstd", true, true), AlreadyHere = false,
            }, ProtocolJsonContext.Default.FetchResult),
            Reply.Failure(ErrorCodes.OtherCluster, "etcd-snapshot-20260101T000000Z-x1-r9.db was not fetched: primary: etcd-snapshot-20260101T000000Z-x1-r9.db in s3://etcd-backups/clusters/prod-1/ "
                + "is a snapshot of cluster c3f1e2d4a5b6c7d8, which is not this cluster (cdf818194e3a8c32, as recorded in /var/lib/etcd-backupd/cluster-lineage.json); not fetched"),
            Reply.Failure(ErrorCodes.InvalidSnapshot, "etcd-snapshot-20261124T050000Z-m1-r1234.db was not fetched: primary: the off-site copy of etcd-snapshot-20261124T050000Z-m1-r1234.db is refused: "
                + "The encrypted copy was altered or damaged: chunk 3 (at about 196608 bytes of plaintext) does not authenticate. Nothing was kept"),
            Reply.Failure(ErrorCodes.Failed, $"etcd-snapshot-20261124T050000Z-m1-r1234.db was not fetched: primary: {Key} is encrypted with age (to age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p), "
                + "and no Offsite.AgeIdentityFile is configured: set it to the identity file (age-keygen -o FILE, mode 0600) that holds one of those keys; nothing was downloaded"),
            Reply.Failure(ErrorCodes.BadRequest, "no off-site target is configured (Offsite.Targets is empty)"));
        yield return Case("errors", "{\"command\":\"frobnicate\"}",
            Reply.Failure(ErrorCodes.UnknownCommand, "unknown command 'frobnicate'; known: status, snapshot, list, verify, prune, pin, unpin, peers, restore, restore-phase"),
            Reply.Failure(ErrorCodes.BadRequest, "prune: the field \"dryRun\" must be true or false (a JSON boolean, not a string)"),
            Reply.Failure(ErrorCodes.TooLarge, "requests are limited to 65536 bytes"),
            Reply.Failure(ErrorCodes.Idle, "no request within 30 s"));
    }

    private static string Request<T>(T request, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> contract) => JsonSerializer.Serialize(request, contract);

    private static string Event(ProgressEvent progress) => Encoding.UTF8.GetString(Reply.EventLine(progress));

    private static TestCaseData Case(string name, string request, params object[] lines) =>
        new TestCaseData(name, request, lines.Select(l => l is Reply r ? Encoding.UTF8.GetString(r.ToLine()) : (string)l).ToArray()).SetName($"Wire_{name}_MatchesItsGoldenFile");

    [TestCaseSource(nameof(Cases))]
    public void Wire_MatchesTheGoldenFile(string name, string request, string[] lines)
    {
        var path = Path.Combine(EtcdBinaries.RepositoryRoot(), "tests", "EtcdBackupd.Tests", "Control", "Golden", name + ".json");
        var actual = new JsonObject { ["request"] = JsonNode.Parse(request), ["lines"] = new JsonArray([.. lines.Select(l => JsonNode.Parse(l))]) };
        if (Environment.GetEnvironmentVariable("GOLDEN_UPDATE") == "1")
        {
            File.WriteAllText(path, actual.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");
        }

        var golden = JsonNode.Parse(File.ReadAllText(path));
        Assert.That(JsonNode.DeepEquals(golden, actual), Is.True, $"{name}: the wire changed.\nexpected {golden?.ToJsonString()}\nactual   {actual.ToJsonString()}");
    }
}
