using EtcdBackupd.Etcd;
using EtcdBackupd.Snapshots;
using EtcdBackupd.Protocol;
using EtcdBackupd.Protocol.Requests;
using EtcdBackupd.Protocol.Restore;
using EtcdBackupd.Restore;
using EtcdBackupd.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EtcdBackupd.Tests.Restore;

/// <summary>
/// A member's session rules, in-process: the coordinator's lease, phases that run once, and a session
/// that outlives its daemon. Units are marker files run by shell commands; no etcd is started (the
/// steps these tests take never reach it).
/// </summary>
[Category("Fast")]
internal sealed partial class SessionLeaseTests
{
    private TempDirectory _dir = null!;
    private FakeTimeProvider _time = null!;
    private RestoreOptions _options = null!;
    private string _snapshot = null!;

    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(RestoreOptions.DefaultLeaseSeconds);

    private string Api => _dir.Combine("api.active");

    private string Stops => _dir.Combine("api.stops");

    [SetUp]
    public async Task SetUpAsync()
    {
        _dir = new TempDirectory("session-lease");
        _time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        _snapshot = SyntheticSnapshots.Write(Directory.CreateDirectory(_dir.Combine("snapshots")).FullName, DateTimeOffset.UtcNow);
        var flags = "--name=m1 --data-dir=" + _dir.Combine("etcd") + " --initial-cluster=m1=http://127.0.0.1:2380 --initial-cluster-token=t --initial-advertise-peer-urls=http://127.0.0.1:2380";
        await File.WriteAllTextAsync(_dir.Combine("etcd.service"), $"[Service]\nExecStart=/usr/bin/etcd {flags}\n");
        await File.WriteAllTextAsync(Api, "");
        _options = new RestoreOptions
        {
            Tool = "/bin/true", UnitFile = _dir.Combine("etcd.service"), UseCommands = true,
            Commands = new Dictionary<string, UnitCommands>
            {
                ["etcd.service"] = new("true", "true", "false"),
                ["kube-apiserver.service"] = new($"touch {Api}", $"rm -f {Api}; echo stop >>{Stops}", $"test -f {Api}"),
            },
        };
    }

    [TearDown]
    public void TearDown() => _dir.Dispose();

    private MemberPhases Member(out LocalRestore restore)
    {
        restore = new LocalRestore(_options, new EtcdOptions { Endpoints = [new Uri("http://127.0.0.1:9")] }, new CommandServiceControl(_options.Commands), _time,
            NullLogger.Instance, store: new SessionStore(_dir.Combine("state"), NullLogger.Instance));
        return new MemberPhases(restore);
    }

    private static RestorePhaseRequest Request(RestorePhase phase, string coordinator) =>
        new() { Session = "s1", Phase = phase, Coordinator = coordinator, Sha256 = null, Protocol = ControlFraming.ProtocolVersion };

    private async Task<PhaseAnswer> CheckAsync(MemberPhases member, string coordinator)
    {
        var sha256 = EtcdTrailer.Check(_snapshot, CancellationToken.None).FileSha256;
        return await member.RunAsync(_snapshot, Request(RestorePhase.Check, coordinator) with { Sha256 = sha256 }, CancellationToken.None);
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task ARollbackFromAnotherMaster_IsRefusedWhileTheCoordinatorsLeaseRuns_AndNothingIsTouched()
    {
        var member = Member(out _);
        Assert.That((await CheckAsync(member, "coordinator-a")).Ok, Is.True);
        Assert.That((await member.RunAsync(null, Request(RestorePhase.StopApi, "coordinator-a"), CancellationToken.None)).Ok, Is.True);

        _time.Advance(Lease - TimeSpan.FromSeconds(5));
        var rollback = await member.RunAsync(null, Request(RestorePhase.Rollback, "an operator on m2"), CancellationToken.None);

        Assert.That(rollback.Error?.Code, Is.EqualTo(ErrorCodes.LeaseHeld), rollback.Error?.Message);
        Assert.That(rollback.Error!.Message, Does.Contain("held by its coordinator (coordinator-a)").And.Contain("nothing was touched")
            .And.Contain("etcd-backupctl restore --recover s1 --yes"));
        Assert.That(File.Exists(Api), Is.False, "the API server stays stopped: the rollback did not run");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task ARenewalFromTheCoordinator_KeepsTheLease_AndAfterItRunsOutAnotherMasterTakesOverAndRollsBack()
    {
        var member = Member(out _);
        await CheckAsync(member, "coordinator-a");
        await member.RunAsync(null, Request(RestorePhase.StopApi, "coordinator-a"), CancellationToken.None);
        _time.Advance(Lease - TimeSpan.FromSeconds(5));
        var renewal = await member.RunAsync(null, Request(RestorePhase.State, "coordinator-a"), CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(10));
        var stillHeld = await member.RunAsync(null, Request(RestorePhase.Rollback, "recovery from m2"), CancellationToken.None);

        _time.Advance(Lease);
        var rollback = await member.RunAsync(null, Request(RestorePhase.Rollback, "recovery from m2"), CancellationToken.None);

        Assert.That(renewal.Result?.Session?.LeaseSecondsLeft, Is.EqualTo((int)Lease.TotalSeconds));
        Assert.That(stillHeld.Error?.Code, Is.EqualTo(ErrorCodes.LeaseHeld), "the renewal moved the lease on");
        Assert.That(rollback.Ok, Is.True, rollback.Error?.Message);
        Assert.That(rollback.Result!.Rollback, Is.EqualTo(RollbackState.Complete));
        Assert.That(File.Exists(Api), Is.True, "the rollback started the API server again");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task APhaseAskedTwice_RunsOnce()
    {
        var member = Member(out _);
        await CheckAsync(member, "coordinator-a");

        var first = await member.RunAsync(null, Request(RestorePhase.StopApi, "coordinator-a"), CancellationToken.None);
        var again = await member.RunAsync(null, Request(RestorePhase.StopApi, "coordinator-a"), CancellationToken.None);
        var checkAgain = await CheckAsync(member, "coordinator-a");

        Assert.That(first.Ok && again.Ok && checkAgain.Ok, Is.True);
        Assert.That(again.Result!.Steps, Is.EqualTo(new[] { "'stop-api' was done already" }));
        Assert.That(File.ReadAllLines(Stops), Has.Length.EqualTo(1), "the API server was stopped once");
        Assert.That(checkAgain.Result!.Check!.Member, Is.EqualTo("m1"), "a repeated check answers from the record");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task ASessionOpenWhenTheDaemonStopped_IsReloadedByTheNextOne_AndItsRollbackUndoesWhatTheFirstDid()
    {
        var first = Member(out var before);
        await CheckAsync(first, "coordinator-a");
        await first.RunAsync(null, Request(RestorePhase.StopApi, "coordinator-a"), CancellationToken.None);
        before.Dispose();

        var second = Member(out var after);
        var state = after.OpenState;
        var underWay = after.Activity.UnderWay;
        var tooEarly = await second.RunAsync(null, Request(RestorePhase.Rollback, "recovery from m2"), CancellationToken.None);
        _time.Advance(Lease + TimeSpan.FromSeconds(1));
        var rollback = await second.RunAsync(null, Request(RestorePhase.Rollback, "recovery from m2"), CancellationToken.None);
        var closed = await second.RunAsync(null, Request(RestorePhase.State, "anyone"), CancellationToken.None);

        Assert.That(state?.Done, Is.EqualTo(new[] { RestorePhase.Check, RestorePhase.StopApi }), "the reloaded session knows what was done");
        Assert.That(underWay, Does.Contain("s1"), "retention stays paused while the reloaded session is open");
        Assert.That(tooEarly.Error?.Code, Is.EqualTo(ErrorCodes.LeaseHeld), "a reloaded session gives a live coordinator its lease again");
        Assert.That(rollback.Result?.Rollback, Is.EqualTo(RollbackState.Complete), rollback.Error?.Message);
        Assert.That(File.Exists(Api), Is.True, "the API server the first daemon stopped runs again");
        Assert.That(closed.Result?.Session?.Outcome, Is.EqualTo(SessionOutcome.RolledBack), "a closed session is still on record");
        Assert.That(after.HeldId, Is.Null);
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task ARecordOfTheSessionThatCannotBeRead_IsAnsweredFailedNamingIt_NeverNoSession()
    {
        var first = Member(out var before);
        await CheckAsync(first, "coordinator-a");
        await first.RunAsync(null, Request(RestorePhase.StopApi, "coordinator-a"), CancellationToken.None);
        before.Dispose();
        var record = _dir.Combine("state", "restore-sessions", "s1.json");
        var whole = await File.ReadAllBytesAsync(record);
        await File.WriteAllBytesAsync(record, whole[..(whole.Length / 2)]);

        var second = Member(out _);
        _time.Advance(Lease + TimeSpan.FromSeconds(1));
        var state = await second.RunAsync(null, Request(RestorePhase.State, "recovery from m2"), CancellationToken.None);
        var rollback = await second.RunAsync(null, Request(RestorePhase.Rollback, "recovery from m2"), CancellationToken.None);

        Assert.That(state.Error?.Code, Is.EqualTo(ErrorCodes.Failed), "no_session would read as a member that never opened it");
        Assert.That(state.Error!.Message, Does.Contain(record).And.Contain("cannot be read").And.Contain("move the record aside"));
        Assert.That(rollback.Error?.Code, Is.EqualTo(ErrorCodes.Failed), rollback.Error?.Message);
        Assert.That(File.Exists(Api), Is.False, "nothing was undone from a record no one could read");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task ARollbackIsRecordedAsRunning_SoADaemonKilledInItReloadsItAsARollbackCutShort()
    {
        await LeaveTheRecordOfADaemonKilledInARollbackAsync();

        Member(out var after);
        var reloaded = after.StateOf("s1");

        Assert.That((reloaded?.Outcome, reloaded?.Failed), Is.EqualTo(((SessionOutcome?)SessionOutcome.Open, (RestorePhase?)RestorePhase.Rollback)));
        Assert.That(RecoveryRule.Decide([("m1", reloaded), ("m2", reloaded! with { Failed = null })]).Decision, Is.EqualTo(RecoveryDecision.RollBack));
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task ADaemonStartingWithASessionItDiedIn_StartsThoughTheStateDirectoryRefusesTheRecord()
    {
        await LeaveTheRecordOfADaemonKilledInARollbackAsync();

        await using (await UnwritableSessionsAsync())
        {
            // Thrown from the constructor, this failed the daemon's start: no snapshots at all while the directory stayed full.
            Member(out var after);

            Assert.That(after.StateOf("s1")?.Failed, Is.EqualTo(RestorePhase.Rollback));
        }
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task ARollbackWhoseRecordCannotBeWritten_StillUndoesEveryStep_AndTheSessionReadsRolledBack()
    {
        var etcd = await EtcdAsAMarkerFileAsync();
        var member = Member(out var restore);
        await CheckAsync(member, "coordinator-a");
        await member.RunAsync(null, Request(RestorePhase.StopApi, "coordinator-a"), CancellationToken.None);
        await member.RunAsync(null, Request(RestorePhase.StopEtcd, "coordinator-a"), CancellationToken.None);
        await using (await UnwritableSessionsAsync())
        {
            var rollback = await member.RunAsync(null, Request(RestorePhase.Rollback, "coordinator-a"), CancellationToken.None);

            Assert.That((File.Exists(etcd), File.Exists(Api)), Is.EqualTo((true, true)), "etcd and the API server run again: " + rollback.Error?.Message);
            // Read from the disk, the session would still be open: a recovery would roll it back a second time.
            Assert.That(restore.StateOf("s1")?.Outcome, Is.EqualTo(SessionOutcome.RolledBack));
            var again = await member.RunAsync(null, Request(RestorePhase.Rollback, "recovery"), CancellationToken.None);
            Assert.That(again.Result?.Steps, Is.EqualTo(new[] { "rolled back already" }), again.Error?.Message);
        }

        Assert.That(restore.StateOf("s1")?.Outcome, Is.EqualTo(SessionOutcome.RolledBack));
        Assert.That(await File.ReadAllTextAsync(_dir.Combine("state", "restore-sessions", "s1.json")), Does.Contain("\"rolled-back\""),
            "written once the directory takes it");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task ACheckWhoseFirstRecordCannotBeWritten_LeavesNoSessionBehind_OnceTheDirectoryTakesWritesAgain()
    {
        var member = Member(out var restore);
        Directory.CreateDirectory(_dir.Combine("state", "restore-sessions"));
        await using (await UnwritableSessionsAsync())
        {
            var check = await CheckAsync(member, "coordinator-a");

            Assert.That(check.Ok, Is.False, "nothing may be stopped without the session's record");
        }

        // The coordinator was told the check failed and nothing was stopped: no open session may appear now.
        Assert.That((restore.StateOf("s1"), restore.HeldId), Is.EqualTo(((SessionState?)null, (string?)null)));
        Assert.That(Directory.GetFiles(_dir.Combine("state", "restore-sessions")), Is.Empty);
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task AFinishWhoseRecordCannotBeWritten_EndsTheSessionSoTheNextRestoreMayBegin()
    {
        var member = Member(out var restore);
        await CheckAsync(member, "coordinator-a");
        await using (await UnwritableSessionsAsync())
        {
            var finish = await member.RunAsync(null, Request(RestorePhase.Finish, "coordinator-a"), CancellationToken.None);

            Assert.That(finish.Error, Is.Null, finish.Error?.Message);
            Assert.That(finish.Result?.Steps, Has.Some.StartsWith("the session's record could not be written"));
            Assert.That((restore.HeldId, restore.StateOf("s1")?.Outcome), Is.EqualTo(((string?)null, SessionOutcome.Finished)));
        }

        var sha256 = EtcdTrailer.Check(_snapshot, CancellationToken.None).FileSha256;
        var next = await member.RunAsync(_snapshot, Request(RestorePhase.Check, "coordinator-b") with { Session = "s2", Sha256 = sha256 }, CancellationToken.None);
        Assert.That((next.Ok, restore.HeldId), Is.EqualTo((true, "s2")), next.Error?.Message);
        Assert.That(await File.ReadAllTextAsync(_dir.Combine("state", "restore-sessions", "s1.json")), Does.Contain("\"finished\""));
    }

    /// <summary>etcd's unit as a marker file (running when it exists), running now; <paramref name="beforeStart"/> runs first at each start.</summary>
    private async Task<string> EtcdAsAMarkerFileAsync(string beforeStart = "")
    {
        var etcd = _dir.Combine("etcd.active");
        await File.WriteAllTextAsync(etcd, "");
        _options = new RestoreOptions
        {
            Tool = _options.Tool, UnitFile = _options.UnitFile, UseCommands = true,
            Commands = new Dictionary<string, UnitCommands>(_options.Commands) { ["etcd.service"] = new($"{beforeStart}touch {etcd}", $"rm -f {etcd}", $"test -f {etcd}") },
        };
        return etcd;
    }

    /// <summary>
    /// s1 checked, etcd stopped and rolled back, and its record put back as it stood in the middle of the rollback (copied by the
    /// rollback's start of etcd): what a daemon killed there leaves on disk.
    /// </summary>
    private async Task LeaveTheRecordOfADaemonKilledInARollbackAsync()
    {
        var midway = _dir.Combine("midway.json");
        var record = _dir.Combine("state", "restore-sessions", "s1.json");
        await EtcdAsAMarkerFileAsync(beforeStart: $"cp {record} {midway}; ");
        var member = Member(out var before);
        await CheckAsync(member, "coordinator-a");
        await member.RunAsync(null, Request(RestorePhase.StopEtcd, "coordinator-a"), CancellationToken.None);
        await member.RunAsync(null, Request(RestorePhase.Rollback, "coordinator-a"), CancellationToken.None);
        before.Dispose();
        File.Copy(midway, record, overwrite: true);
    }

    /// <summary>State.Directory takes nothing more (full, or remounted read-only): every write of a session's record fails until disposed.</summary>
    private async Task<IAsyncDisposable> UnwritableSessionsAsync()
    {
        var sessions = _dir.Combine("state", "restore-sessions");
        if ((await ProcessRunner.RunAsync("chattr", ["+i", sessions])).ExitCode != 0)
        {
            Assert.Ignore("chattr +i needs root and a file system that keeps the flag (CI runs as root on one)");
        }

        return new Undo(() => ProcessRunner.RunAsync("chattr", ["-i", sessions]));
    }

    private sealed class Undo(Func<Task> undo) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await undo();
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task RestoreDataAskedAgainAfterAFailedAttempt_KeepsTheOriginalAsTheOldData()
    {
        // etcd's tool stood in by a script: while fail.flag exists it leaves half a data directory and fails.
        var tool = _dir.Combine("etcdutl");
        var fail = _dir.Combine("fail.flag");
        await File.WriteAllTextAsync(tool, $"#!/bin/sh\nwhile [ $# -gt 0 ]; do [ \"$1\" = --data-dir ] && d=$2; shift; done\nmkdir -p \"$d\"\n"
            + $"if [ -e {fail} ]; then echo half >\"$d/half\"; exit 1; fi\necho restored >\"$d/restored\"\n");
        File.SetUnixFileMode(tool, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await File.WriteAllTextAsync(fail, "");
        Directory.CreateDirectory(_dir.Combine("etcd"));
        await File.WriteAllTextAsync(_dir.Combine("etcd", "original"), "the cluster's data before the restore");
        _options = new RestoreOptions { Tool = tool, UnitFile = _options.UnitFile, UseCommands = true, Commands = _options.Commands };
        var member = Member(out _);
        await CheckAsync(member, "coordinator-a");
        await member.RunAsync(null, Request(RestorePhase.StopApi, "coordinator-a"), CancellationToken.None);
        await member.RunAsync(null, Request(RestorePhase.StopEtcd, "coordinator-a"), CancellationToken.None);

        var first = await member.RunAsync(null, Request(RestorePhase.RestoreData, "coordinator-a"), CancellationToken.None);
        File.Delete(fail);
        var again = await member.RunAsync(null, Request(RestorePhase.RestoreData, "coordinator-a"), CancellationToken.None);
        var rollback = await member.RunAsync(null, Request(RestorePhase.Rollback, "coordinator-a"), CancellationToken.None);

        Assert.That((first.Ok, again.Ok), Is.EqualTo((false, true)), again.Error?.Message);
        Assert.That(rollback.Result?.Rollback, Is.EqualTo(RollbackState.Complete), rollback.Error?.Message);
        Assert.That(File.Exists(_dir.Combine("etcd", "original")), Is.True, "the rollback put the original back, not the failed attempt's output");
        Assert.That(Directory.GetDirectories(_dir.Path, "etcd.unfinished-restore-*").Select(d => File.Exists(Path.Combine(d, "half"))), Is.EqualTo(new[] { true }),
            "the failed attempt's output is kept aside, under a name that says so");
    }

    /// <summary>etcd's tool stood in by a script: while <c>fail.flag</c> exists it leaves half a data directory and fails.</summary>
    private async Task<string> HalfFailingToolAsync()
    {
        var tool = _dir.Combine("etcdutl");
        await File.WriteAllTextAsync(tool, $"#!/bin/sh\nwhile [ $# -gt 0 ]; do [ \"$1\" = --data-dir ] && d=$2; shift; done\nmkdir -p \"$d\"\n"
            + $"if [ -e {_dir.Combine("fail.flag")} ]; then echo half >\"$d/half\"; exit 1; fi\necho restored >\"$d/restored\"\n");
        File.SetUnixFileMode(tool, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return tool;
    }

    /// <summary>The check, the stops, a restore-data the tool fails (<c>fail.flag</c>), and the same asked again with the tool working.</summary>
    private async Task<(PhaseAnswer First, PhaseAnswer Again)> RestoreDataFailingOnceAsync(MemberPhases member)
    {
        await File.WriteAllTextAsync(_dir.Combine("fail.flag"), "");
        await CheckAsync(member, "coordinator-a");
        await RunAsync(member, RestorePhase.StopApi, RestorePhase.StopEtcd);
        var first = await RunAsync(member, RestorePhase.RestoreData);
        File.Delete(_dir.Combine("fail.flag"));
        var again = await RunAsync(member, RestorePhase.RestoreData);
        return (first[0], again[0]);
    }

    private async Task<PhaseAnswer[]> RunAsync(MemberPhases member, params RestorePhase[] phases)
    {
        var answers = new List<PhaseAnswer>();
        foreach (var phase in phases)
        {
            answers.Add(await member.RunAsync(null, Request(phase, "coordinator-a"), CancellationToken.None));
        }

        return [.. answers];
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task RestoreDataAskedAgainOnAMemberThatHadNoDataDirectory_NeverTakesTheFailedOutputForOldData_AndARollbackLeavesNoneInPlace()
    {
        _options = new RestoreOptions { Tool = await HalfFailingToolAsync(), UnitFile = _options.UnitFile, UseCommands = true, Commands = _options.Commands };
        var member = Member(out _);

        var (first, again) = await RestoreDataFailingOnceAsync(member);
        var rollback = await RunAsync(member, RestorePhase.Rollback);

        Assert.That((first.Ok, again.Ok), Is.EqualTo((false, true)), again.Error?.Message);
        Assert.That(again.Result?.Steps, Has.None.Contain("owner and mode of"), "no owner is copied from a failed attempt's output");
        Assert.That(rollback[0].Result?.Rollback, Is.EqualTo(RollbackState.Complete), rollback[0].Error?.Message);
        Assert.That(Directory.Exists(_dir.Combine("etcd")), Is.False, "as before the restore: no data directory");
        Assert.That(Directory.GetDirectories(_dir.Path, "etcd.before-restore-*"), Is.Empty, "nothing passed for old data");
        Assert.That(Directory.GetDirectories(_dir.Path, "etcd.unfinished-restore-*").Select(d => File.Exists(Path.Combine(d, "half"))), Is.EqualTo(new[] { true }));
        Assert.That(Directory.GetDirectories(_dir.Path, "etcd.failed-restore-*").Select(d => File.Exists(Path.Combine(d, "restored"))), Is.EqualTo(new[] { true }),
            "the restored output is kept aside, not deleted");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task ARollbackAfterStartApi_StopsTheApiServersBeforeTheOldDataGoesBack_AndStartsThemAgainAfter()
    {
        _options = new RestoreOptions { Tool = await HalfFailingToolAsync(), UnitFile = _options.UnitFile, UseCommands = true, Commands = _options.Commands };
        Directory.CreateDirectory(_dir.Combine("etcd"));
        var member = Member(out _);
        await CheckAsync(member, "coordinator-a");
        var answers = await RunAsync(member, RestorePhase.StopApi, RestorePhase.StopEtcd, RestorePhase.RestoreData, RestorePhase.StartEtcd, RestorePhase.StartApi);

        var rollback = await RunAsync(member, RestorePhase.Rollback);

        Assert.That(answers.Select(a => a.Error?.Message), Has.All.Null);
        Assert.That(rollback[0].Result?.Rollback, Is.EqualTo(RollbackState.Complete), rollback[0].Error?.Message);
        var steps = rollback[0].Result!.Steps.Where(s => s.StartsWith("rolled back: ", StringComparison.Ordinal)).ToList();
        Assert.That(steps[0], Is.EqualTo("rolled back: stop kube-apiserver.service"), string.Join("\n", steps));
        Assert.That(steps.FindIndex(s => s.StartsWith("rolled back: move", StringComparison.Ordinal)), Is.GreaterThan(0), string.Join("\n", steps));
        Assert.That(await File.ReadAllLinesAsync(Stops), Has.Length.EqualTo(2), "stopped for the restore, and again before its rollback");
        Assert.That(File.Exists(Api), Is.True, "running again at the end, as before the restore");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task RestoreData_WhenAnEarlierRestoresDirectoryHasThisSecondsName_MovesTheDataBesideIt_AndTheRollbackPutsThisMembersDataBack()
    {
        _options = new RestoreOptions { Tool = await HalfFailingToolAsync(), UnitFile = _options.UnitFile, UseCommands = true, Commands = _options.Commands };
        Directory.CreateDirectory(_dir.Combine("etcd"));
        await File.WriteAllTextAsync(_dir.Combine("etcd", "original"), "this member's data");
        // Left by a restore in the same second of a clock that has since stepped back.
        var earlier = Directory.CreateDirectory(_dir.Combine($"etcd.before-restore-{_time.GetUtcNow():yyyyMMddTHHmmssZ}")).FullName;
        await File.WriteAllTextAsync(Path.Combine(earlier, "older"), "another restore's old data");
        var member = Member(out _);
        await CheckAsync(member, "coordinator-a");

        var answers = await RunAsync(member, RestorePhase.StopApi, RestorePhase.StopEtcd, RestorePhase.RestoreData, RestorePhase.Rollback);

        Assert.That(answers[2].Ok, Is.True, answers[2].Error?.Message);
        Assert.That(answers[3].Result?.Rollback, Is.EqualTo(RollbackState.Complete), answers[3].Error?.Message);
        Assert.That(File.Exists(_dir.Combine("etcd", "original")), Is.True, "this member's own data is back");
        Assert.That(File.Exists(Path.Combine(earlier, "older")), Is.True, "the earlier directory is where it was");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task ASessionAOneShotRestoreOpenedHereAndThenDied_IsTakenUpByTheDaemonAndRolledBack_NotReportedAsNothingToUndo()
    {
        var lockPath = _dir.Combine("restore.lock");
        var store = new SessionStore(_dir.Combine("state"), NullLogger.Instance);
        LocalRestore Restore(RestoreLock restoreLock) => new(_options, new EtcdOptions { Endpoints = [new Uri("http://127.0.0.1:9")] },
            new CommandServiceControl(_options.Commands), _time, NullLogger.Instance, store: store, restoreLock: restoreLock);
        // The daemon, running since before; then a one-shot cluster restore on this master opens the session and is killed.
        using var daemon = Restore(new RestoreLock(lockPath));
        var oneShotLock = new RestoreLock(lockPath);
        using (var oneShot = Restore(oneShotLock))
        {
            var member = new MemberPhases(oneShot);
            var check = await CheckAsync(member, "one-shot on m1");
            var stop = await member.RunAsync(null, Request(RestorePhase.StopApi, "one-shot on m1"), CancellationToken.None);
            Assert.That((check.Error?.Message, stop.Error?.Message), Is.EqualTo(((string?)null, (string?)null)));
        }

        var whileAlive = await new MemberPhases(daemon).RunAsync(null, Request(RestorePhase.Rollback, "recovery from m2"), CancellationToken.None);
        var apiWhileAlive = File.Exists(Api);
        oneShotLock.Release(); // SIGKILL: the kernel drops its flock
        var rollback = await new MemberPhases(daemon).RunAsync(null, Request(RestorePhase.Rollback, "recovery from m2"), CancellationToken.None);

        Assert.That(whileAlive.Error?.Code, Is.EqualTo(ErrorCodes.Failed), "while the one-shot lives, its session is not the daemon's, nor nothing to undo");
        Assert.That(apiWhileAlive, Is.False, "nothing was touched meanwhile");
        Assert.That(rollback.Result?.Rollback, Is.EqualTo(RollbackState.Complete), rollback.Error?.Message);
        Assert.That(File.Exists(Api), Is.True, "the API server the one-shot stopped runs again");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task ASessionIdThatIsNotAFileName_IsABadRequest()
    {
        var member = Member(out _);

        var answer = await member.RunAsync(_snapshot, Request(RestorePhase.Plan, "a") with { Session = "../../etc/passwd" }, CancellationToken.None);

        Assert.That(answer.Error?.Code, Is.EqualTo(ErrorCodes.BadRequest));
        Assert.That(Directory.Exists(_dir.Combine("state")), Is.False);
    }
}
