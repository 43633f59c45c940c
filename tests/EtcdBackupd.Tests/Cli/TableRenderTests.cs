using EtcdBackupctl;
using EtcdBackupd.Protocol.Restore;
using EtcdBackupd.Protocol.Results;
using EtcdBackupd.Protocol.Tables;
using static EtcdBackupd.Tests.Cli.WorstCase;

namespace EtcdBackupd.Tests.Cli;

/// <summary>Every table of every command, with the longest realistic values: within 100 columns, headers in words; <c>--wide</c> shows every field.</summary>
[Category("Fast")]
internal sealed class TableRenderTests
{
    private static readonly View Narrow = new(Now, Wide: false);
    private static readonly View Wide = new(Now, Wide: true);

    // The protocol's field names run together, as the tables showed them before.
    private static readonly string[] RawNames = ["SIZEBYTES", "INITIALCLUSTER", "INITIALADVERTISEPEERURLS", "DATADIR", "SHA256 ", "CREATEDAT", "ISLEADER"];

    private static IEnumerable<TestCaseData> Tables()
    {
        yield return Case("status", v => Render.Status(Status, v), "HEALTH", "NEWEST SNAPSHOT", "LAST SNAPSHOT", "LAST GOOD", "NEXT", "PEER", "OFFSITE", "CERTIFICATE",
            "RESTORE SESSION");
        yield return Case("snapshot", v => Render.Snapshot(Report, v), "FILE", "SIZE", "SHA-256", "REVISION", "CREATED", "PEER", "COPY", "OFFSITE", "PIN", "MANIFEST");
        yield return Case("list", v => Render.List(List, v), "FILE", "AGE", "SIZE", "VERIFIED");
        yield return Case("verify", v => Render.Verify(new(Path(), Bytes, Sha, "ok", "ok"), v), "FILE", "SIZE", "SHA-256", "TRAILER", "MANIFEST");
        yield return Case("pin", v => Render.Pin(Report.Pinned!, v), "FILE", "PIN", "PEER", "MANIFEST");
        yield return Case("prune", v => Render.Prune(new(true, [new(Path(2), "older than 3650 days and not among the last 100 good snapshots of "
            + Members[2])]), v), "WOULD DELETE", "WHY");
        yield return Case("peers", v => Render.Peers(PeerChecks, v), "PEER", "STATE");
        yield return Case("check", v => Render.Check(Check, v), "CHECK", "RESULT", "DETAIL");
        yield return Case("fetch", v => Render.Fetched(new()
        {
            Path = Path(), SizeBytes = Bytes, Sha256 = Sha, Revision = 123456789, CreatedAt = Taken, Peer = $"{Members[1]}:2222", PeerDirectory = WorstCase.Directory,
            AlreadyHere = true,
        }, v), "FILE", "SIZE", "FROM", "VERIFIED");
        yield return Case("import", v => Render.Imported(new()
        {
            Path = Path(), Origin = "/root/backups/cron-era/etcd-snapshot-2024-01-01-before-the-1.28-upgrade.db", SizeBytes = Bytes, Sha256 = Sha,
            Revision = 123456789, CreatedAt = Taken, HadManifest = true, AlreadyHere = false, RetentionRemoves = true,
        }, v), "FILE", "FROM", "VERIFIED", "PIN", "RETENTION");
        yield return Case("restore --dry-run", v => Render.Plan(Plan, v), "CLUSTER", "LINEAGE", "SNAPSHOT", "MEMBER NAME", "INITIAL CLUSTER",
            "CLUSTER TOKEN", "PEER URLS", "DATA DIRECTORY", "TOOL", "COMMAND", "PROBLEM");
        yield return Case("restore", v => Render.Restored(new()
        {
            Snapshot = Path(), Command = Command(0), Parameters = Parameters(0), Tool = Tool, Problems = [],
            Steps = ["stop kube-apiserver.service", "stop etcd.service", $"move /var/lib/etcd to /var/lib/etcd.before-restore-20261125T050000Z"],
            OldDataDir = "/var/lib/etcd.before-restore-20261125T050000Z", OldWalDir = "/var/lib/etcd-wal.before-restore-20261125T050000Z",
        }, v), "STEP", "OLD DATA", "OLD WAL");
        yield return Case("restore --cluster --dry-run", v => Render.ClusterPlan(new(Path(), Sha, true, RestorePhases.Runbook.Select(p => p.Wire()).ToList(),
            Members.Select((m, i) => new ClusterMemberPlan
            {
                Member = $"{m}:22", Copy = "missing: would be pushed", Snapshot = Path(), Command = Command(i), Parameters = Parameters(i), Tool = Tool,
                Problems = [], Present = false, Sha256 = Sha, Protocol = 3,
            }).Append(new ClusterMemberPlan { Member = $"{Members[2]}:2222", Error = Refused }).ToList(), Match), v),
            "MEMBER", "COPY", "PHASES", "INITIAL CLUSTER", "ERROR");
        yield return Case("restore --cluster", v => Render.ClusterRestored(new(Path(), Sha,
            Members.Select(m => new MemberSteps($"{m}:22", ["stop-api: stop kube-apiserver.service", $"restore-data: {Command(0)}"])).ToList()), v), "MEMBER", "STEP");
        yield return Case("restore --recover", v => Render.Recovered(new(Session.Session, RecoveryDecision.RollBack,
            $"{Members[2]} had not restored its data, so every member goes back to its old data", true,
            [
                new MemberRecovery($"{Members[0]}:22", Session, null, ["rollback: start etcd.service", "rollback: start kube-apiserver.service"]),
                new MemberRecovery($"{Members[2]}:22", null, Refused, []),
            ]), v), "SESSION", "DECISION", "BECAUSE", "MEMBER", "STATE", "STEP");
    }

    private static TestCaseData Case(string command, Func<View, string> render, params string[] headers) =>
        new TestCaseData(render, headers).SetArgDisplayNames(command);

    [TestCaseSource(nameof(Tables))]
    public void Table_WorstCaseValues_FitsOneHundredColumns(Func<View, string> render, string[] headers)
    {
        var text = render(Narrow);

        Assert.That(text.Split('\n').Max(l => l.Length), Is.LessThanOrEqualTo(100), text);
    }

    [TestCaseSource(nameof(Tables))]
    public void Table_Headers_AreWords(Func<View, string> render, string[] headers)
    {
        var text = render(Narrow);

        Assert.That(headers.Where(h => !text.Contains($"| {h} ", StringComparison.Ordinal)), Is.Empty, text);
        Assert.That(RawNames.Where(n => text.Contains(n, StringComparison.Ordinal)), Is.Empty, text);
    }

    [Test]
    public void Status_Wide_ShowsEveryField()
    {
        var text = Render.Status(Status, Wide);

        Assert.That(text, Does.Contain(Path(2)).And.Contain(Path()).And.Contain(Sha).And.Contain("8123456789 bytes").And.Contain("123456999")
            .And.Contain("95.25 s").And.Contain("EtcdUnavailable").And.Contain("this member leads").And.Contain("12345 failed")
            .And.Contain("2026-11-25 05:00:00 UTC").And.Contain("last attempt").And.Contain("2026-12-07 08:00:00 UTC, in 12 days")
            .And.Contain("healthcheck-client.crt expires in 12 days").And.Contain(Session.Sha256!)
            .And.Contain("dr-on-premises-ceph: FAILED: ").And.Contain("678 failed"));
    }

    [Test]
    public void Snapshot_CopiesToTwoTargetsBehindOneSshd_AreNamedWithTheirDirectories_AndALoneTargetIsNot()
    {
        var report = Report with
        {
            Peers =
            [
                new("10.0.0.5", 2222, true, false, null) { Directory = "/srv/m2/snapshots" },
                new("10.0.0.5", 2222, false, false, "no space left") { Directory = "/srv/m3/snapshots" },
                new("10.0.0.6", 22, true, false, null) { Directory = "/var/lib/etcd-backupd" },
            ],
        };

        var text = Render.Snapshot(report, Narrow);

        Assert.That(text, Does.Contain("| 10.0.0.5:2222/srv/m2/snapshots ").And.Contain("| 10.0.0.5:2222/srv/m3/snapshots ")
            .And.Contain("| 10.0.0.6:22 ").And.Not.Contain("10.0.0.6:22/var"), text);
    }

    [Test]
    public void List_Wide_ShowsEveryField()
    {
        var text = Render.List(List, Wide);

        Assert.That(text, Does.Contain(Path(0)).And.Contain(Members[1]).And.Contain("123456789").And.Contain(Sha).And.Contain("8123456789 bytes")
            .And.Contain("1023 B").And.Contain($"{Label} (since 2026-11-25 05:00:00 UTC, 3 h ago)").And.Contain("not a regular file (a FIFO)")
            .And.Contain("CORRUPT").And.Contain("unchecked").And.Contain("skipped"));
    }

    [Test]
    public void List_Narrow_ShowsTheAgeAndHumanSizesAndKeepsTheFileNameWhole()
    {
        var text = Render.List(List, Narrow);

        Assert.That(text, Does.Contain("| 3 h ago ").And.Contain("| 7.6 GiB ").And.Contain("| 29 days ago ").And.Contain("| 400 days ago ")
            .And.Contain("| CORRUPT ").And.Contain("pinned:").And.Not.Contain("8123456789"));
    }

    [Test]
    public void List_Narrow_AFileNameThatFits_StaysWhole()
    {
        var file = "etcd-snapshot-20261125T050000Z-master-1-r123456789.db";
        var text = Render.List([new($"{WorstCase.Directory}/{file}", Bytes, Sha, 123456789, Taken, "master-1", Verification.Unchecked)], Narrow);

        Assert.That(text, Does.Contain($"| {file} | 3 h ago ").And.Contain("| unchecked "), text);
    }

    [Test]
    public void Table_Wide_WrapsNothing()
    {
        var cell = string.Join(" ", Enumerable.Repeat(InitialCluster, 3));

        var text = Table.Fields(Wide, [("INITIAL CLUSTER", cell), ("COMMAND", Command(0))]);

        Assert.That(text.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(6), text);
    }

    [Test]
    public void Peers_Wide_ShowsEveryField()
    {
        var text = Render.Peers(PeerChecks, Wide);

        Assert.That(text, Does.Contain("| etcd-backupd ").And.Contain($"| {Members[1]}:2222 ").And.Contain("| refused ").And.Contain("DIRECTORY THERE")
            .And.Contain(Refused).And.Contain("is not the one pinned in Peers.Targets[2].HostKey"));
    }

    [Test]
    public void Plan_Narrow_KeepsEveryWordOfTheCommandInOrder()
    {
        var text = Render.Plan(Plan, Narrow);

        // The command wraps at its spaces and after punctuation, so its words read back in order with nothing lost.
        var cell = string.Concat(text.Split('\n').SkipWhile(l => !l.StartsWith("| COMMAND ", StringComparison.Ordinal))
            .TakeWhile(l => l.StartsWith("| COMMAND ", StringComparison.Ordinal) || l.StartsWith("|      ", StringComparison.Ordinal))
            .Select(l => l.Split('|')[2].Trim()));
        Assert.That(cell.Replace(" ", ""), Is.EqualTo(Command(0).Replace(" ", "")), text);
    }

    [Test]
    public void Wrap_AWordLongerThanTheColumn_BreaksAfterPunctuationWithoutAddingSpaces()
    {
        var lines = Table.Wrap(InitialCluster, 40);

        Assert.That(lines, Has.All.Length.LessThanOrEqualTo(40));
        Assert.That(string.Concat(lines), Is.EqualTo(InitialCluster));
    }
}
