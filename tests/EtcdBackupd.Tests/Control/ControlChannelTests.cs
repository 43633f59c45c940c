using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Control;

/// <summary>The control socket of a real daemon on a real etcd, through etcd-backupctl and through raw requests.</summary>
[Parallelizable(ParallelScope.None)]
internal sealed class ControlChannelTests : DaemonOnOneMemberFixture
{
    protected override string DirectoryName => "ctl";

    protected override void Configure(JsonObject config)
    {
        config["Control"]!["Group"] = "nogroup";
        config["Control"]!["IdleSeconds"] = 2;
        // Long enough for a snapshot to wait out an etcd the test has stopped on purpose.
        config["Etcd"]!["DialTimeoutSeconds"] = 30;
        config["Restore"] = new JsonObject
        {
            ["Tool"] = "/usr/bin/etcdctl", ["Name"] = "m1", ["InitialCluster"] = "m1=http://127.0.0.1:2380",
            ["InitialClusterToken"] = "tok", ["InitialAdvertisePeerUrls"] = "http://127.0.0.1:2380", ["DataDir"] = "/var/lib/etcd-never-touched",
        };
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Status_Table_AnswersIsMyClusterBackedUp()
    {
        var result = await Backupctl.RunAsync(Socket, "status");

        Assert.That(result.ExitCode, Is.Zero, result.ToString);
        Assert.That(result.StandardOutput, Does.StartWith("+---").And.Contain("| FIELD ").And.Contain("| VERSION ")
            .And.Match(@"\| ETCD +\| healthy, http://127\.0\.0\.1:\d+/ \(etcd 3\.4\.23, member m1\)")
            .And.Match(@"\| LAST SNAPSHOT +\| \d{4}-\d\d-\d\d \d\d:\d\d UTC, (now|\d+ (s|min|h) ago): ok, revision \d+, \d+\.\d [KM]iB")
            .And.Match(@"\| RETENTION +\| 30 days, at least 3 kept"));
        Assert.That(result.StandardOutput.Split('\n').Max(l => l.Length), Is.LessThanOrEqualTo(100), result.ToString);
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task List_TableAndWide_FitOneHundredColumnsOrShowEveryField()
    {
        await Cluster.PutAsync("/registry/configmaps/wide", "x"u8.ToArray());
        await Backupctl.RunAsync(Socket, "snapshot");

        var table = await Backupctl.RunAsync(Socket, "list");
        var wide = await Backupctl.RunAsync(Socket, "list", "--wide");

        var newest = Directory.GetFiles(SnapshotsDirectory, "*.db").Max()!;
        Assert.That((table.ExitCode, wide.ExitCode), Is.EqualTo((0, 0)), $"{table}\n{wide}");
        Assert.That(table.StandardOutput.Split('\n').Max(l => l.Length), Is.LessThanOrEqualTo(100), table.ToString);
        Assert.That(table.StandardOutput, Does.Match($@"\| {Regex.Escape(Path.GetFileName(newest))} +\| (now|\d+ (s|min) ago) +\| \d+\.\d KiB +\| ok ")
            .And.Not.Contain(SnapshotsDirectory), table.ToString);
        Assert.That(wide.StandardOutput, Does.Contain($"| {newest} ").And.Match(@"\| CREATED +\| MEMBER +\| REVISION +\| SIZE +\| VERIFIED +\| PIN +\| SHA-256 ")
            .And.Match(@"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC, ").And.Match(@"\(\d+ bytes\)"), wide.ToString);
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Snapshot_Json_HasTheFieldsScriptsReadAndTheFileIsThere()
    {
        var result = await Backupctl.RunAsync(Socket, "snapshot", "--json");

        Assert.That(result.ExitCode, Is.Zero, result.ToString);
        var json = JsonNode.Parse(result.StandardOutput)!.AsObject();
        Assert.That(json.Select(p => p.Key), Is.SupersetOf(new[] { "path", "sizeBytes", "sha256", "revision", "createdAt", "peers" }));
        Assert.That(File.Exists(json["path"]!.GetValue<string>()), Is.True);
        Assert.That(json["peers"], Is.InstanceOf<JsonArray>());
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task List_Json_IsAnArrayNewestFirst()
    {
        // A write first: a snapshot of an unchanged etcd is answered with the one there is, not written again.
        await Cluster.PutAsync("/registry/configmaps/list", "x"u8.ToArray());
        await Backupctl.RunAsync(Socket, "snapshot");

        var result = await Backupctl.RunAsync(Socket, "list", "--json");

        Assert.That(result.ExitCode, Is.Zero, result.ToString);
        var list = JsonNode.Parse(result.StandardOutput)!.AsArray();
        Assert.That(list, Has.Count.EqualTo(Directory.GetFiles(SnapshotsDirectory, "*.db").Length).And.Count.GreaterThanOrEqualTo(2));
        Assert.That(list.Select(e => e!["createdAt"]!.GetValue<DateTimeOffset>()), Is.Ordered.Descending);
        Assert.That(list[0]!.AsObject().Select(p => p.Key), Is.SupersetOf(new[] { "path", "sizeBytes", "sha256", "revision", "createdAt", "verification" }));
        Assert.That(list[0]!["verification"]!.GetValue<string>(), Is.EqualTo("ok"));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Verify_AGoodAndACorruptSnapshot_ExitZeroAndOne()
    {
        var good = Directory.GetFiles(SnapshotsDirectory, "*.db").First();
        var corrupt = SyntheticSnapshots.Write(SnapshotsDirectory, DateTimeOffset.UtcNow.AddDays(-400), corrupt: true);
        try
        {
            var ok = await Backupctl.RunAsync(Socket, "verify", Path.GetFileName(good));
            var bad = await Backupctl.RunAsync(Socket, "verify", corrupt);
            var outside = await Backupctl.RunAsync(Socket, "verify", "/etc/shadow");

            // A path outside the directory is read through the file the caller opened (root here): the daemon reads
            // nothing the caller could not, and says only that it is no snapshot.
            Assert.That((ok.ExitCode, bad.ExitCode, outside.ExitCode), Is.EqualTo((0, 1, 1)), $"{ok}\n{bad}\n{outside}");
            Assert.That(ok.StandardOutput, Does.Match(@"\| TRAILER +\| ok"));
            Assert.That(bad.StandardError, Does.Contain("invalid_snapshot").And.Contain("trailer does not match"));
            Assert.That(outside.StandardError, Does.Contain("invalid_snapshot").And.Contain("which no etcd snapshot is"));
        }
        finally
        {
            File.Delete(corrupt);
            File.Delete(Path.ChangeExtension(corrupt, ".json"));
        }
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Prune_DryRun_ListsAndKeepsWhatARealPruneWouldDelete()
    {
        for (var i = 0; i < 3; i++)
        {
            await Cluster.PutAsync($"/registry/configmaps/prune-{i}", "x"u8.ToArray());
            await Backupctl.RunAsync(Socket, "snapshot");
        }

        // Written after the snapshots: each snapshot is followed by a retention run that would remove it.
        var old = SyntheticSnapshots.Write(SnapshotsDirectory, DateTimeOffset.UtcNow.AddDays(-90));

        var dry = await Backupctl.RunAsync(Socket, "prune", "--dry-run", "--json");
        Assert.That(File.Exists(old), Is.True);
        var real = await Backupctl.RunAsync(Socket, "prune");

        Assert.That(dry.ExitCode, Is.Zero, dry.ToString);
        Assert.That(JsonNode.Parse(dry.StandardOutput)!["deleted"]!.AsArray().Select(d => d!["path"]!.GetValue<string>()), Is.EqualTo(new[] { old }));
        Assert.That(real.StandardOutput, Does.Contain("DELETED").And.Contain(Path.GetFileName(old)));
        Assert.That(File.Exists(old), Is.False);
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Peers_WithNoTargets_AnswersAnEmptyList()
    {
        var result = await Backupctl.RunAsync(Socket, "peers", "--json");

        Assert.That((result.ExitCode, result.StandardOutput.Trim()), Is.EqualTo((0, "[]")), result.ToString);
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task RawRequests_EveryCommandAnswersWithOneFinalLine()
    {
        var file = Path.GetFileName(Directory.GetFiles(SnapshotsDirectory, "*.db").First());

        var answers = await Backupctl.RawAsync(Socket,
            """{"command":"status"}""", """{"command":"list"}""", $$"""{"command":"verify","file":"{{file}}"}""",
            """{"command":"prune","dryRun":true}""", """{"command":"peers"}""", """{"command":"snapshot"}""",
            """{"command":"launch-missiles"}""", """{"command":42}""", "not json");

        var finals = answers.Where(a => a.ContainsKey("ok")).ToList();
        Assert.That(finals.Select(f => f["ok"]!.GetValue<bool>()), Is.EqualTo(new[] { true, true, true, true, true, true, false, false, false }));
        Assert.That(finals.Skip(6).Select(f => f["error"]!["code"]!.GetValue<string>()), Is.EqualTo(new[] { "unknown_command", "bad_request", "bad_request" }));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task TwoSnapshotRequestsAtOnce_ProduceOneSnapshot()
    {
        for (var i = 0; i < 48; i++)
        {
            await Cluster.PutAsync($"/registry/configmaps/big-{i}", new byte[1 << 20]);
        }

        var before = Directory.GetFiles(SnapshotsDirectory, "*.db").Length;

        var answers = await Task.WhenAll(
            Backupctl.RawAsync(Socket, """{"command":"snapshot"}"""),
            Backupctl.RawAsync(Socket, """{"command":"snapshot"}"""));

        var paths = answers.Select(a => a.Last()["result"]!["path"]!.GetValue<string>()).ToList();
        Assert.That(paths[0], Is.EqualTo(paths[1]));
        Assert.That(Directory.GetFiles(SnapshotsDirectory, "*.db"), Has.Length.EqualTo(before + 1));
    }

    [Test]
    [CancelAfter(90_000)]
    public async Task Status_DuringASnapshotThatCannotFinish_AnswersAtOnce()
    {
        // etcd stopped first: the snapshot is certain to be under way, waiting on it, when status is asked.
        var etcd = Cluster.Members[0].Process!.Id.ToString();
        await ProcessRunner.RunAsync("kill", ["-STOP", etcd]);
        Task<List<JsonObject>> snapshot;
        try
        {
            snapshot = Backupctl.RawAsync(Socket, """{"command":"snapshot"}""");
            JsonNode result;
            var asked = 0;
            do
            {
                var status = await Backupctl.RawAsync(Socket, """{"command":"status"}""");
                result = status.Last()["result"]!;
                asked++;
            }
            while (!result["running"]!.GetValue<bool>() && asked < 5);

            Assert.That(result["running"]!.GetValue<bool>(), Is.True);
            Assert.That(result["etcd"]!["healthy"]!.GetValue<bool>(), Is.False, "etcd is stopped, and status says so rather than waiting");
        }
        finally
        {
            await ProcessRunner.RunAsync("kill", ["-CONT", etcd]);
        }

        Assert.That((await snapshot).Last()["ok"]!.GetValue<bool>(), Is.True);
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Socket_HasModeAndGroupAsConfigured()
    {
        var stat = await ProcessRunner.RunAsync("stat", ["-c", "%a %G", Socket]);

        Assert.That(stat.StandardOutput.Trim(), Is.EqualTo("660 nogroup"));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Nobody_InTheControlGroup_MayReadButNotDelete()
    {
        var status = await Backupctl.RunAsAsync("nobody", "nogroup", Socket, "status");
        var prune = await Backupctl.RunAsAsync("nobody", "nogroup", Socket, "prune");
        var restore = await Backupctl.RunAsAsync("nobody", "nogroup", Socket, "restore", "etcd-snapshot-20261124T050000Z-m1-r1.db");

        Assert.That(status.ExitCode, Is.Zero, status.ToString);
        Assert.That((prune.ExitCode, restore.ExitCode), Is.EqualTo((1, 1)), $"{prune}\n{restore}");
        Assert.That(prune.StandardError, Does.Contain("forbidden").And.Contain("needs root"));
        Assert.That(restore.StandardError, Does.Contain("restore failed (forbidden)"));
        await Daemon.WaitForLogAsync("Control request 'prune' refused for uid 65534", TimeSpan.FromSeconds(10));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task AUserOutsideTheControlGroup_IsRefusedEverything()
    {
        // The user 'daemon' is in group daemon only, not in the socket's group nogroup.
        var status = await Backupctl.RunAsAsync("daemon", null, Socket, "status");
        var call = await Backupctl.RunAsAsync("daemon", null, Socket, "call", "{\"command\":\"status\"}");

        Assert.That(status.ExitCode, Is.EqualTo(3), status.ToString);
        Assert.That(status.StandardError, Does.Contain("permission denied").And.Contain("Control.Group"));
        Assert.That(JsonNode.Parse(call.StandardOutput.Trim())!["error"]!["code"]!.GetValue<string>(), Is.EqualTo("failed"),
            "a socket this user may not use never answers: nothing to ask again (not no_answer)");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Cli_DaemonUnreachable_ExitsThree()
    {
        var result = await Backupctl.RunAsync(Dir.Combine("no-such.sock"), "status");

        Assert.That(result.ExitCode, Is.EqualTo(3));
        Assert.That(result.StandardError, Does.Contain("is etcd-backupd running?"));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Call_ToADaemonThatDiesBeforeItsAnswer_OrIsNotRunning_StillPrintsAFinalNoAnswerLine()
    {
        // A daemon killed mid-request: the connection is taken, then closed with no final line.
        var dying = Dir.Combine("dying.sock");
        using var listener = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        listener.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(dying));
        listener.Listen();
        var dies = Task.Run(async () =>
        {
            using var accepted = await listener.AcceptAsync();
            await accepted.ReceiveAsync(new byte[4096]);
        });

        var died = await Backupctl.RunAsync(dying, "call", """{"command":"status"}""");
        var absent = await Backupctl.RunAsync(Dir.Combine("no-such.sock"), "call", """{"command":"status"}""");
        await dies;

        Assert.That(JsonNode.Parse(died.StandardOutput.Trim().Split('\n')[^1])!["error"]!["code"]!.GetValue<string>(), Is.EqualTo("no_answer"), died.ToString);
        Assert.That(died.ExitCode, Is.EqualTo(4), died.ToString);
        Assert.That(JsonNode.Parse(absent.StandardOutput.Trim())!["error"]!["code"]!.GetValue<string>(), Is.EqualTo("no_answer"), absent.ToString);
        Assert.That(absent.ExitCode, Is.EqualTo(3), absent.ToString);
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Cli_UnknownCommand_ExitsTwoWithUsage()
    {
        var result = await Backupctl.RunAsync(Socket, "frobnicate");

        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.StandardError, Does.Contain("usage: etcd-backupctl"));
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task Garbage_ThousandsOfBadRequests_LeaveTheDaemonAnsweringWithBoundedThreadsAndMemory()
    {
        var (threadsBefore, rssBefore) = Usage(Daemon.Id);
        await ControlTraffic.SendAsync(Socket, 3000, new Random(20261124), ControlTraffic.Garbage, TestContext.CurrentContext.CancellationToken);

        var answer = await Backupctl.RawAsync(Socket, """{"command":"status"}""");
        await Task.Delay(TimeSpan.FromSeconds(3)); // idle connections time out after Control.IdleSeconds
        var (threadsAfter, rssAfter) = Usage(Daemon.Id);
        TestContext.Progress.WriteLine($"after 3000 bad requests: threads {threadsBefore} -> {threadsAfter}, RSS {rssBefore >> 20} MiB -> {rssAfter >> 20} MiB");

        Assert.That(answer.Last()["ok"]!.GetValue<bool>(), Is.True);
        Assert.That(Daemon.HasExited, Is.False);
        Assert.That(threadsAfter, Is.LessThanOrEqualTo(threadsBefore + 8), $"threads {threadsBefore} -> {threadsAfter}");
        // This daemon runs on the JIT (dotnet etcd-backupd.dll): its growth is mostly the code compiled for
        // the new paths (14-16 MiB measured). Garbage is held to the collector's gen0 budget, which the project
        // caps at 4 MiB (System.GC.Gen0MaxBudget); uncapped, the budget follows the CPU cache and the same
        // traffic grew RSS by 62-64 MiB on a 260 MiB L3. PackagedDaemonMemoryTests bounds the shipped build.
        Assert.That(rssAfter - rssBefore, Is.LessThan(32L << 20), $"RSS {rssBefore >> 20} MiB -> {rssAfter >> 20} MiB");
    }

    private static (long Threads, long RssBytes) Usage(int pid)
    {
        var (status, buffer) = ($"/proc/{pid}/status", new byte[4096]);
        return (ProcStatus.Read(status, ProcStatus.Threads, buffer), ProcStatus.Read(status, ProcStatus.VmRss, buffer) * 1024);
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Restore_WithoutYes_IsRefusedAndDryRunPrintsTheExactCommand()
    {
        var file = Path.GetFileName(Directory.GetFiles(SnapshotsDirectory, "*.db").First());

        var unconfirmed = await Backupctl.RunAsync(Socket, "restore", file);
        var plan = await Backupctl.RunAsync(Socket, "restore", file, "--dry-run", "--json");

        Assert.That(unconfirmed.ExitCode, Is.EqualTo(2), unconfirmed.ToString);
        Assert.That(unconfirmed.StandardError, Does.Contain("--yes"));
        Assert.That(plan.ExitCode, Is.Zero, plan.ToString);
        var json = JsonNode.Parse(plan.StandardOutput)!;
        Assert.That(json["command"]!.GetValue<string>(), Is.EqualTo(
            $"/usr/bin/etcdctl snapshot restore {Path.Combine(SnapshotsDirectory, file)} --name m1 --initial-cluster m1=http://127.0.0.1:2380 "
            + "--initial-cluster-token tok --initial-advertise-peer-urls http://127.0.0.1:2380 --data-dir /var/lib/etcd-never-touched"));
        Assert.That(json["parameters"]!["name"]!["source"]!.GetValue<string>(), Is.EqualTo("Restore.Name in the configuration"));
        Assert.That(Directory.Exists("/var/lib/etcd-never-touched"), Is.False, "a dry run changes nothing");
    }
}
