using EtcdBackupd.Protocol.Results;
using EtcdBackupd.Peers;
using EtcdBackupd.State;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.State;

/// <summary>Each peer's copies, as every push records them and the daemon reads them.</summary>
[Category("Fast")]
internal sealed class CopyLedgerTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 24, 5, 0, 0, TimeSpan.Zero);

    private static PeerPushResult Result(bool ok) => new("10.0.0.3", 22, ok, false, ok ? null : "cannot connect: Connection refused", 3, TimeSpan.FromSeconds(1));

    [Test]
    public void Record_AFailureThenASuccessfulPush_ClearsTheFailureAndKeepsTheCount()
    {
        using var dir = new TempDirectory("copy-ledger");
        new CopyLedger(dir.Path).Record([Result(false)], "etcd-snapshot-20261124T050000Z-m1-r100.db", At);
        new CopyLedger(dir.Path).Record([Result(true)], "etcd-snapshot-20261124T050000Z-m1-r100.db", At.AddHours(1));

        var peer = new CopyLedger(dir.Path).Read().Single();

        Assert.That((peer.Peer, peer.LastOk, peer.LastError, peer.LastSuccessAt, peer.Failures), Is.EqualTo(("10.0.0.3:22", (bool?)true, (string?)null, (DateTimeOffset?)At.AddHours(1), 1L)));
    }

    [Test]
    public void Record_AFailureAfterASuccess_KeepsTheLastSuccessTime()
    {
        using var dir = new TempDirectory("copy-ledger");
        new CopyLedger(dir.Path).Record([Result(true)], "etcd-snapshot-20261124T050000Z-m1-r100.db", At);
        new CopyLedger(dir.Path).Record([Result(false)], "etcd-snapshot-20261124T050000Z-m1-r100.db", At.AddDays(1));

        var peer = new CopyLedger(dir.Path).Read().Single();

        Assert.That((peer.LastOk, peer.LastSuccessAt, peer.Failures), Is.EqualTo(((bool?)false, (DateTimeOffset?)At, 1L)));
    }

    [Test]
    public void Record_ASuccessfulPushOfAnOlderSnapshotAfterAFailure_LeavesTheFailureStanding_WhileTheFailedOnesCopyClearsIt()
    {
        using var dir = new TempDirectory("copy-ledger");
        const string Failed = "etcd-snapshot-20261124T050000Z-m1-r100.db";
        new CopyLedger(dir.Path).Record([Result(false)], Failed, At);
        new CopyLedger(dir.Path).Record([Result(true)], "etcd-snapshot-20261120T050000Z-m1-r80.db", At.AddHours(1));
        var afterOld = new CopyLedger(dir.Path).Read().Single();
        new CopyLedger(dir.Path).Record([Result(true)], Failed, At.AddHours(2));
        var afterFailed = new CopyLedger(dir.Path).Read().Single();

        Assert.That((afterOld.LastOk, afterOld.LastSnapshot, afterOld.LastSuccessAt), Is.EqualTo(((bool?)false, (string?)Failed, (DateTimeOffset?)At.AddHours(1))),
            "the peer still lacks the newer snapshot; the older one did reach it");
        Assert.That((afterFailed.LastOk, afterFailed.LastError, afterFailed.LastSnapshot), Is.EqualTo(((bool?)true, (string?)null, (string?)Failed)));
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Record_ThatTheStateDirectoryRefuses_IsStillReadInThisProcess_AndWrittenWithTheNextChange()
    {
        using var dir = new TempDirectory("copy-ledger");
        var ledger = new CopyLedger(dir.Path);
        ledger.Record([Result(true)], "etcd-snapshot-20261124T050000Z-m1-r100.db", At);
        if ((await ProcessRunner.RunAsync("chattr", ["+i", dir.Path])).ExitCode != 0)
        {
            Assert.Ignore("chattr +i needs root and a file system that keeps the flag (CI runs as root on one)");
        }

        PeerRecord seen, onDisk;
        try
        {
            Assert.That(() => ledger.Record([Result(false)], "etcd-snapshot-20261125T050000Z-m1-r200.db", At.AddDays(1)),
                Throws.InstanceOf<UnauthorizedAccessException>().Or.InstanceOf<IOException>());
            seen = ledger.Read().Single();
            onDisk = new CopyLedger(dir.Path).Read().Single();
        }
        finally
        {
            await ProcessRunner.RunAsync("chattr", ["-i", dir.Path]);
        }

        ledger.Record([Result(false)], "etcd-snapshot-20261126T050000Z-m1-r300.db", At.AddDays(2));
        var written = new CopyLedger(dir.Path).Read().Single();

        Assert.That((seen.LastOk, seen.Failures), Is.EqualTo(((bool?)false, 1L)), "the failure the file refused is what this process reads: health and metrics see it");
        Assert.That(onDisk.LastOk, Is.True, "the file itself was not changed");
        Assert.That((written.LastOk, written.Failures, written.LastSnapshot), Is.EqualTo(((bool?)false, 2L, (string?)"etcd-snapshot-20261126T050000Z-m1-r300.db")),
            "both failures written once the file could be");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task ASendOwedWhileTheStateDirectoryRefusesWrites_OutlastsAThousandLaterChanges()
    {
        using var dir = new TempDirectory("copy-ledger");
        var ledger = new CopyLedger(dir.Path);
        ledger.Record([Result(true)], "etcd-snapshot-20261124T050000Z-m1-r100.db", At);
        if ((await ProcessRunner.RunAsync("chattr", ["+i", dir.Path])).ExitCode != 0)
        {
            Assert.Ignore("chattr +i needs root and a file system that keeps the flag (CI runs as root on one)");
        }

        // Two sends owed to a peer that is down; each round retries the first and stops there, as the daemon's does.
        var first = Owed("/srv/snapshots", OwedKind.Copy, At);
        var second = first with { Snapshot = "etcd-snapshot-20261124T060000Z-m1-r8.db" };
        IReadOnlyList<OwedSend> kept;
        try
        {
            Assert.That(() => ledger.Owe([first, second]), Throws.Exception);
            for (var i = 0; i < 1100; i++)
            {
                Assert.That(() => ledger.Record([Result(false)], "etcd-snapshot-20261124T050000Z-m1-r100.db", At.AddMinutes(i)), Throws.Exception);
                Assert.That(() => ledger.Owe([first with { Since = At.AddMinutes(i) }]), Throws.Exception);
            }

            kept = ledger.Owed();
        }
        finally
        {
            await ProcessRunner.RunAsync("chattr", ["-i", dir.Path]);
        }

        ledger.Record([Result(false)], "etcd-snapshot-20261124T050000Z-m1-r100.db", At.AddDays(1));

        Assert.That(kept.Select(o => o.Snapshot), Is.EquivalentTo(new[] { first.Snapshot, second.Snapshot }), "the sends owed first were not dropped with the oldest changes");
        Assert.That(new CopyLedger(dir.Path).Owed().Select(o => o.Snapshot), Is.EquivalentTo(new[] { first.Snapshot, second.Snapshot }), "and are written once the file can be");
    }

    [Test]
    public void Read_NoFileYet_IsEmpty()
    {
        using var dir = new TempDirectory("copy-ledger");

        Assert.That(new CopyLedger(dir.Path).Read(), Is.Empty);
    }

    private static OwedSend Owed(string directory, OwedKind kind, DateTimeOffset since, string? error = "cannot connect: Connection refused") => new()
    {
        Peer = "10.0.0.3:22", Directory = directory, Snapshot = "etcd-snapshot-20261124T050000Z-m1-r7.db", Kind = kind, Since = since, Tries = 1,
        LastAttemptAt = since, LastError = error,
    };

    [Test]
    public void Owe_TheSameSendTwice_KeepsOneEntryWithTheFirstTimeAndBothTries()
    {
        using var dir = new TempDirectory("copy-ledger");
        new CopyLedger(dir.Path).Owe([Owed("/a", OwedKind.Manifest, At)]);
        new CopyLedger(dir.Path).Owe([Owed("/a", OwedKind.Manifest, At.AddMinutes(5), "timed out")]);

        var owed = new CopyLedger(dir.Path).Owed().Single();

        Assert.That((owed.Since, owed.Tries, owed.LastAttemptAt, owed.LastError), Is.EqualTo((At, 2, (DateTimeOffset?)At.AddMinutes(5), (string?)"timed out")));
    }

    [Test]
    public void Owe_OverAFileThatIsNotTheLedger_KeepsThatFileAsideAndSaysSo()
    {
        using var dir = new TempDirectory("copy-ledger");
        // Edited by hand and cut short: its owed sends are still worth reading, so it must not be written over.
        const string HandEdited = """{"version": 1, "peers": [], "owed": [{"peer": "10.0.0.3:22", "directory": "/a",""";
        File.WriteAllText(dir.Combine(CopyLedger.FileName), HandEdited);
        File.SetLastWriteTimeUtc(dir.Combine(CopyLedger.FileName), At.UtcDateTime);
        // One kept before with the same time (a copy put back with its time): never replaced.
        File.WriteAllText(dir.Combine(CopyLedger.FileName + ".unreadable-20261124T050000Z"), "kept before");
        var logger = new CapturingLogger<CopyLedger>();

        new CopyLedger(dir.Path, logger).Owe([Owed("/b", OwedKind.Copy, At)]);

        Assert.That(File.ReadAllText(dir.Combine(CopyLedger.FileName + ".unreadable-20261124T050000Z-2")), Is.EqualTo(HandEdited));
        Assert.That(File.ReadAllText(dir.Combine(CopyLedger.FileName + ".unreadable-20261124T050000Z")), Is.EqualTo("kept before"));
        Assert.That(new CopyLedger(dir.Path).Owed().Select(o => o.Directory), Is.EqualTo(new[] { "/b" }));
        Assert.That(logger.Events.Reader.TryRead(out var logged) ? logged.EventName : null, Is.EqualTo("CopyLedgerUnreadable"));
    }

    [Test]
    public void Settle_OneOfTwoTargetsOnTheSameHostAndPort_LeavesTheOtherOwed()
    {
        using var dir = new TempDirectory("copy-ledger");
        var ledger = new CopyLedger(dir.Path);
        ledger.Owe([Owed("/a", OwedKind.Copy, At), Owed("/b", OwedKind.Copy, At), Owed("/a", OwedKind.Manifest, At)]);

        ledger.Settle(Owed("/a", OwedKind.Copy, At.AddDays(1)));

        Assert.That(ledger.Owed().Select(o => (o.Directory, o.Kind)), Is.EqualTo(new[] { ("/b", OwedKind.Copy), ("/a", OwedKind.Manifest) }));
    }

    [Test]
    public void Record_APushAfterSomethingIsOwed_KeepsWhatIsOwed()
    {
        using var dir = new TempDirectory("copy-ledger");
        var ledger = new CopyLedger(dir.Path);
        ledger.Owe([Owed("/a", OwedKind.Manifest, At)]);

        ledger.Record([Result(true)], "etcd-snapshot-20261124T050000Z-m1-r100.db", At.AddHours(1));

        Assert.That((ledger.Owed().Count, ledger.Read().Single().LastOk), Is.EqualTo((1, (bool?)true)));
    }

    [Test]
    public void Owed_AFileWrittenBefore020WithoutOwed_ReadsAsNothingOwedAndItsPeersStay()
    {
        using var dir = new TempDirectory("copy-ledger");
        File.WriteAllText(dir.Combine(CopyLedger.FileName), """
            {"version": 1, "peers": [{"peer": "10.0.0.3:22", "lastSuccessAt": null, "lastAttemptAt": null, "lastOk": false, "lastError": "x", "failures": 2}]}
            """);
        var ledger = new CopyLedger(dir.Path);

        Assert.That((ledger.Owed().Count, ledger.Read().Single().Failures), Is.EqualTo((0, 2L)));
    }

    [Test]
    public void RecordOffsite_AFailureAfterASuccess_KeepsTheLastSuccessAndThePeersRecords()
    {
        using var dir = new TempDirectory("copy-ledger");
        new CopyLedger(dir.Path).Record([Result(true)], "etcd-snapshot-20261124T050000Z-m1-r100.db", At);
        new CopyLedger(dir.Path).RecordOffsite([("primary", true, null)], At);
        new CopyLedger(dir.Path).RecordOffsite([("primary", false, "bucket b does not exist at s3.example.net")], At.AddDays(1));

        var target = new CopyLedger(dir.Path).ReadOffsite().Single();

        Assert.That((target.Target, target.LastOk, target.LastError, target.LastSuccessAt, target.LastAttemptAt, target.Failures),
            Is.EqualTo(("primary", (bool?)false, (string?)"bucket b does not exist at s3.example.net", (DateTimeOffset?)At, (DateTimeOffset?)At.AddDays(1), 1L)));
        Assert.That(new CopyLedger(dir.Path).Read().Single().LastOk, Is.True);
    }

    [Test]
    public void ReadOffsite_FileWrittenBeforeOffsiteCopiesExisted_IsEmptyAndThePeersAreRead()
    {
        using var dir = new TempDirectory("copy-ledger");
        File.WriteAllText(dir.Combine(CopyLedger.FileName),
            """{"version":1,"peers":[{"peer":"10.0.0.3:22","lastSuccessAt":null,"lastAttemptAt":null,"lastOk":null,"lastError":null,"failures":4}]}""");

        Assert.That(new CopyLedger(dir.Path).ReadOffsite(), Is.Empty);
        Assert.That(new CopyLedger(dir.Path).Read().Single().Failures, Is.EqualTo(4));
    }
}
