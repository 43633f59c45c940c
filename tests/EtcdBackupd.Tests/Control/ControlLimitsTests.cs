using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Control;

/// <summary>
/// A careless or hostile member of the control group against a real daemon on a real etcd: it cannot
/// fill the disk with snapshots, hold every connection, or hang the daemon with files named like
/// snapshots, and root's <c>status</c> always answers. Hostile clients are <c>socat</c> run as nobody.
/// </summary>
[Parallelizable(ParallelScope.None)]
internal sealed class ControlLimitsTests : DaemonOnOneMemberFixture
{
    protected override string DirectoryName => "limits";

    protected override void Configure(JsonObject config)
    {
        var control = config["Control"]!;
        (control["Group"], control["IdleSeconds"], control["RequestSeconds"], control["WriteSeconds"], control["ConnectionsPerUser"]) =
            ("nogroup", 4, 2, 2, 4);
    }

    private int Snapshots() => Directory.GetFiles(SnapshotsDirectory, "*.db").Length;

    [Test]
    [CancelAfter(120_000)]
    public async Task FiveSnapshotRequestsWithoutAWrite_WriteOneFile()
    {
        await Cluster.PutAsync("/registry/configmaps/five", "x"u8.ToArray());
        var before = Snapshots();

        var answers = new List<JsonNode>();
        for (var i = 0; i < 5; i++)
        {
            var result = await Backupctl.RunAsync(Socket, "snapshot", "--json");
            Assert.That(result.ExitCode, Is.Zero, result.ToString);
            answers.Add(JsonNode.Parse(result.StandardOutput)!);
        }

        Assert.That(Snapshots(), Is.EqualTo(before + 1));
        Assert.That(answers.Select(a => a["path"]!.GetValue<string>()).Distinct().Count(), Is.EqualTo(1));
        Assert.That(answers.Skip(1).Select(a => a["unchanged"]?.GetValue<bool>()), Is.All.True);
        Assert.That(answers[0]["unchanged"], Is.Null);
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task VerifyOffsite_ByAMemberOfTheGroup_IsForbiddenWhilePlainVerifyIsNot()
    {
        var snapshot = EtcdBackupd.Tests.Support.SyntheticSnapshots.Write(SnapshotsDirectory, DateTimeOffset.UtcNow.AddDays(-1), revision: 3, withManifest: true);

        var offsite = await Backupctl.RunAsAsync("nobody", "nogroup", Socket, "verify", "--offsite", Path.GetFileName(snapshot));
        var plain = await Backupctl.RunAsAsync("nobody", "nogroup", Socket, "verify", Path.GetFileName(snapshot));

        Assert.That(offsite.ExitCode, Is.EqualTo(1), offsite.ToString);
        Assert.That(offsite.StandardError, Does.Contain("verify failed (forbidden)").And.Contain("verify without --offsite"), offsite.ToString);
        Assert.That(plain.ExitCode, Is.Zero, plain.ToString);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task ACallerOtherThanRoot_GetsOneNewSnapshotPerInterval_AndRootIsNotLimited()
    {
        await Cluster.PutAsync("/registry/configmaps/rate-1", "x"u8.ToArray());
        var first = await Backupctl.RunAsAsync("nobody", "nogroup", Socket, "snapshot");
        await Cluster.PutAsync("/registry/configmaps/rate-2", "x"u8.ToArray());
        var second = await Backupctl.RunAsAsync("nobody", "nogroup", Socket, "snapshot");
        var root = await Backupctl.RunAsync(Socket, "snapshot");

        Assert.That((first.ExitCode, second.ExitCode, root.ExitCode), Is.EqualTo((0, 1, 0)), $"{first}\n{second}\n{root}");
        Assert.That(second.StandardError, Does.Contain("rate_limited").And.Contain("Control.SnapshotIntervalSeconds"));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Check_FromTheGroupWithinHalfAMinute_IsAnsweredFromTheLastRun_WhileRootsRunsAfresh()
    {
        // Each run connects to every peer and etcd: a member asking in a loop must not hammer them.
        var first = await Backupctl.RunAsAsync("nobody", "nogroup", Socket, "check", "--json");
        await Cluster.PutAsync("/registry/configmaps/check-again", "x"u8.ToArray());
        var again = await Backupctl.RunAsAsync("nobody", "nogroup", Socket, "check", "--json");
        var root = await Backupctl.RunAsync(Socket, "check", "--json");

        static string Etcd(ProcessResult r) => JsonNode.Parse(r.StandardOutput)!["checks"]!.AsArray()
            .Single(c => c!["name"]!.GetValue<string>() == "etcd")!["detail"]!.GetValue<string>();
        Assert.That(Etcd(again), Is.EqualTo(Etcd(first)), "the group's second check is the first one's run");
        Assert.That(Etcd(root), Is.Not.EqualTo(Etcd(first)), "root's check runs afresh: etcd's revision moved");
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task PruneWithDryRunAsAString_IsABadRequestAndDeletesNothing()
    {
        var old = SyntheticSnapshots.Write(SnapshotsDirectory, DateTimeOffset.UtcNow.AddDays(-400));
        try
        {
            var answer = await Backupctl.RawAsync(Socket, """{"command":"prune","dryRun":"true"}""");

            Assert.That(answer.Last()["error"]!["code"]!.GetValue<string>(), Is.EqualTo("bad_request"));
            Assert.That(File.Exists(old), Is.True);
        }
        finally
        {
            File.Delete(old);
            File.Delete(Path.ChangeExtension(old, ".json"));
        }
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task IdleClientsOfOneUser_GetNoMoreThanTheirSlots_AndRootStillAnswers()
    {
        // Four idle connections of nobody hold its four slots until Control.IdleSeconds; a fifth is turned away at once.
        var idle = Enumerable.Range(0, 4).Select(_ => Socat("EXEC:sleep 30")).ToList();
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            var busy = await Backupctl.RunAsAsync("nobody", "nogroup", Socket, "--timeout", "1", "status");
            var root = await Backupctl.RunAsync(Socket, "status");

            Assert.That(busy.ExitCode, Is.EqualTo(1), busy.ToString);
            Assert.That(busy.StandardError, Does.Contain("busy").And.Contain("Control.ConnectionsPerUser"));
            Assert.That(root.ExitCode, Is.Zero, root.ToString);
        }
        finally
        {
            idle.ForEach(ProcessRunner.Kill);
        }
    }

    [Test]
    [CancelAfter(150_000)]
    public async Task AFloodOfConnectionsTurnedAway_IsLoggedSixtyTimesAMinuteAndCounted_WhileRootStillAnswers()
    {
        // nobody's four slots held past Control.IdleSeconds by a request every 2 s, whose answers no one reads.
        var holder = Dir.Combine("holder.sh");
        await File.WriteAllTextAsync(holder, "#!/bin/sh\nwhile true; do echo '{\"command\":\"list\"}'; sleep 2; done\n");
        File.SetUnixFileMode(holder, (UnixFileMode)0b111_101_101);
        var held = Enumerable.Range(0, 4).Select(_ => Socat($"EXEC:{holder}")).ToList();
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            var logged = Daemon.Log.Length;
            var flood = await ProcessRunner.RunAsync("runuser", ["-u", "nobody", "-g", "nogroup", "--", "sh", "-c",
                $"i=0; while [ $i -lt 300 ]; do socat -u /dev/null UNIX-CONNECT:{Socket} 2>/dev/null; i=$((i+1)); done"]);
            var root = await Backupctl.RunAsync(Socket, "status");

            Assert.That(flood.ExitCode, Is.Zero, flood.ToString);
            Assert.That(root.ExitCode, Is.Zero, root.ToString);
            await Eventually.UntilAsync(() => Task.FromResult(Daemon.Log[logged..].Contains("control-socket lines of uid 65534 were not logged", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(75), "ControlLinesHeldBack for nobody");
            var lines = Daemon.Log[logged..].Split('\n').Count(l => l.Contains("uid 65534 ", StringComparison.Ordinal) && !l.Contains("were not logged", StringComparison.Ordinal));
            // Two minutes' allowance: the flood may straddle the end of a minute an earlier test began.
            Assert.That(lines, Is.LessThanOrEqualTo(2 * 60), "of three hundred connections turned away and the holders' requests");
        }
        finally
        {
            held.ForEach(ProcessRunner.Kill);
        }
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task ClientsThatPipelineAndNeverRead_OrTrickle_AreDropped_WhileRootStatusAnswers()
    {
        var requests = Dir.Combine("pipelined.txt");
        await File.WriteAllLinesAsync(requests, Enumerable.Repeat("""{"command":"list"}""", 20_000));
        File.SetUnixFileMode(requests, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var hostile = new List<Process>();
        hostile.AddRange(Enumerable.Range(0, 2).Select(_ => Socat($"OPEN:{requests},rdonly")));
        var trickle = Dir.Combine("trickle.sh");
        await File.WriteAllTextAsync(trickle, "#!/bin/sh\nwhile true; do printf x; sleep 1; done\n");
        File.SetUnixFileMode(trickle, (UnixFileMode)0b111_101_101);
        hostile.AddRange(Enumerable.Range(0, 40).Select(_ => Socat($"EXEC:{trickle}")));
        try
        {
            var started = Stopwatch.StartNew();
            var root = await Backupctl.RunAsync(Socket, "--timeout", "20", "status");
            Assert.That(root.ExitCode, Is.Zero, root.ToString);
            Assert.That(started.Elapsed, Is.LessThan(TimeSpan.FromSeconds(20)), "a generous liveness bound, not a speed goal");

            // Dropped: the writers at Control.WriteSeconds, the tricklers at Control.RequestSeconds. (Not read from the
            // log: the pipelined requests spend nobody's journal lines for the minute at once.)
            await Eventually.UntilAsync(async () => (await Backupctl.RunAsAsync("nobody", "nogroup", Socket, "--timeout", "1", "status")).ExitCode == 0,
                TimeSpan.FromSeconds(30), "nobody's slots to be free again");
        }
        finally
        {
            hostile.ForEach(ProcessRunner.Kill);
        }
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task SocketsSetToLingerTenMinutes_HandedInAndLeftToTheDaemonToClose_HoldNoThreadOfIt_AndRootStatusAnswers()
    {
        // A peer that never reads (a listener that never accepts, with small windows): a socket with data queued
        // to it and SO_LINGER of ten minutes keeps whoever drops its last reference in close() for ten minutes.
        var descriptorsBefore = Directory.GetFiles($"/proc/{Daemon.Id}/fd").Length;
        using var neverReads = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 2048 };
        neverReads.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        neverReads.Listen(512);
        for (var i = 0; i < 100; i++)
        {
            using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await client.ConnectAsync(new UnixDomainSocketEndPoint(Socket));
            // Half a request with the socket attached, then gone: the daemon holds the last reference.
            await HandInAsync(client, await LingeringAsync(neverReads));
        }

        // Hidden in a listening Unix socket in blocking mode (accept waits there), on the one connection waiting on it.
        var listening = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listening.Bind(new UnixDomainSocketEndPoint(Dir.Combine($"h{Guid.NewGuid():N}"[..9])));
        listening.Listen(4);
        using (var waiting = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            await waiting.ConnectAsync(listening.LocalEndPoint!);
            await HandInAsync(waiting, await LingeringAsync(neverReads));
        }

        using (var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            await client.ConnectAsync(new UnixDomainSocketEndPoint(Socket));
            await HandInAsync(client, listening);
        }

        var started = Stopwatch.StartNew();
        var root = await Backupctl.RunAsync(Socket, "--timeout", "20", "status");

        Assert.That(root.ExitCode, Is.Zero, root.ToString);
        Assert.That(started.Elapsed, Is.LessThan(TimeSpan.FromSeconds(20)), "a generous liveness bound, not a speed goal");
        Assert.That(ThreadsClosingALingeringSocket(), Is.Zero, "the kernel's own account of the daemon's threads: none waits in close() for a linger, nor in accept()");
        await Eventually.UntilAsync(() => Directory.GetFiles($"/proc/{Daemon.Id}/fd").Length <= descriptorsBefore + 8, TimeSpan.FromSeconds(20),
            "the daemon to have closed the hundred sockets and connections");
    }

    /// <summary>A TCP socket with data queued to <paramref name="neverReads"/> and SO_LINGER of ten minutes.</summary>
    private static async Task<Socket> LingeringAsync(Socket neverReads)
    {
        var stuck = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { SendBufferSize = 2048 };
        await stuck.ConnectAsync(neverReads.LocalEndPoint!);
        stuck.Blocking = false;
        try
        {
            while (true)
            {
                stuck.Send(new byte[4096]);
            }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
        {
            // Full: nothing more goes until the peer reads, which it never does.
        }

        stuck.LingerState = new LingerOption(true, 600);
        return stuck;
    }

    /// <summary>Sends "{" with <paramref name="socket"/> attached over <paramref name="connection"/>, then closes this process's copy as a C program would (.NET's own close may reset it).</summary>
    private static Task HandInAsync(Socket connection, Socket socket)
    {
        EtcdBackupd.Protocol.Descriptors.DescriptorPassing.Send(connection, "{"u8, socket.SafeHandle);
        var fd = (int)socket.Handle;
        socket.SafeHandle.SetHandleAsInvalid();
        _ = CloseDescriptor(fd);
        return Task.CompletedTask;
    }

    /// <summary>The daemon's threads whose kernel stack is in a TCP close waiting out SO_LINGER, or in an accept.</summary>
    private int ThreadsClosingALingeringSocket() => Directory.GetDirectories($"/proc/{Daemon.Id}/task").Count(task =>
    {
        try
        {
            var stack = File.ReadAllText(Path.Combine(task, "stack"));
            return stack.Contains("sk_stream_wait_close", StringComparison.Ordinal) || stack.Contains("unix_accept", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    });

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "close")]
    private static extern int CloseDescriptor(int fd);

    [Test]
    [CancelAfter(120_000)]
    public async Task ThreeHundredIdleConnections_AWaitingCliGetsItsAnswer()
    {
        var sockets = new List<Socket>();
        try
        {
            for (var i = 0; i < 300; i++)
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                sockets.Add(socket);
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(Socket));
            }

            var status = await Backupctl.RunAsync(Socket, "--timeout", "30", "status");

            Assert.That(status.ExitCode, Is.Zero, status.ToString);
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task AFifoAndALinkToDevZero_NamedLikeSnapshots_AreLeftAloneAndNothingHangs()
    {
        var fifo = Path.Combine(SnapshotsDirectory, "etcd-snapshot-20200101T000000Z-m1-r1.db");
        var zero = Path.Combine(SnapshotsDirectory, "etcd-snapshot-20200102T000000Z-m1-r2.db");
        await ProcessRunner.RunAsync("mkfifo", [fifo]);
        File.CreateSymbolicLink(zero, "/dev/zero");
        try
        {
            var prune = await Backupctl.RunAsync(Socket, "--timeout", "30", "prune");
            await Cluster.PutAsync("/registry/configmaps/fifo", "x"u8.ToArray());
            var snapshot = await Backupctl.RunAsync(Socket, "--timeout", "60", "snapshot");
            var list = await Backupctl.RunAsync(Socket, "list", "--json");
            var verify = await Backupctl.RunAsync(Socket, "verify", Path.GetFileName(zero));
            var cpuBefore = ProcessCpu.Seconds(Daemon.Id);
            await Task.Delay(TimeSpan.FromSeconds(3));
            var cpu = ProcessCpu.Seconds(Daemon.Id) - cpuBefore;

            Assert.That((prune.ExitCode, snapshot.ExitCode, list.ExitCode), Is.EqualTo((0, 0, 0)), $"{prune}\n{snapshot}\n{list}");
            var skipped = JsonNode.Parse(list.StandardOutput)!.AsArray().Where(e => e!["verification"]!.GetValue<string>() == "skipped").ToList();
            Assert.That(skipped.Select(e => e!["note"]!.GetValue<string>()), Is.EquivalentTo(new[]
            {
                "not a regular file (a FIFO), left alone", "not a regular file (a symbolic link), left alone",
            }));
            Assert.That(verify.ExitCode, Is.EqualTo(1));
            Assert.That(verify.StandardError, Does.Contain("is not a regular file (a symbolic link), left alone"));
            Assert.That(File.Exists(fifo) && File.Exists(zero), Is.True, "retention never deletes what is not ours to read");
            Assert.That(cpu, Is.LessThan(1.0), $"the daemon is idle again ({cpu:F2} s of CPU in 3 s)");
        }
        finally
        {
            File.Delete(fifo);
            File.Delete(zero);
        }
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task SigtermDuringASnapshot_IsLoggedWithTheBytesAndTheClientIsToldStopping()
    {
        await using var host = await ControlledDaemon.StartAsync("sigterm", Cluster, config => config["Etcd"]!["DialTimeoutSeconds"] = 60);
        var (daemon, socket, snapshots) = (host.Daemon, host.Socket, host.Snapshots);
        await Cluster.PutAsync("/registry/configmaps/sigterm", "x"u8.ToArray());
        var etcd = Cluster.Members[0].Process!.Id.ToString();
        await ProcessRunner.RunAsync("kill", ["-STOP", etcd]);
        try
        {
            var snapshot = Backupctl.RawAsync(socket, """{"command":"snapshot"}""");
            await daemon.WaitForLogAsync("requested over the control socket", TimeSpan.FromSeconds(30));

            var exit = await daemon.TerminateAsync(TimeSpan.FromSeconds(30));
            var answer = (await snapshot).Last();

            Assert.That(exit, Is.Zero, daemon.Log);
            Assert.That(answer["error"]!["code"]!.GetValue<string>(), Is.EqualTo("stopping"), answer.ToJsonString());
            Assert.That(answer["error"]!["message"]!.GetValue<string>(), Does.StartWith("the daemon is stopping; nothing was saved"));
            Assert.That(daemon.Log, Does.Match(@"Snapshot aborted: the daemon is stopping after \d+ of \d+ bytes were received; nothing was saved"));
            Assert.That(Directory.GetFiles(snapshots, "*.part"), Is.Empty);
        }
        finally
        {
            await ProcessRunner.RunAsync("kill", ["-CONT", etcd]);
        }
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task AnAdHocSnapshotThatWouldEatTheReserve_IsRefusedWithBothNumbers_WhileTheScheduleIsNot()
    {
        // The catch-up snapshot at start is a scheduled one: the reserve does not apply to it.
        await using var host = await ControlledDaemon.StartAsync("reserve", Cluster, config => config["Snapshots"]!["ReserveBytes"] = "1000000000000000");
        var (socket, snapshots) = (host.Socket, host.Snapshots);
        await Cluster.PutAsync("/registry/configmaps/reserve", "x"u8.ToArray());

        var refused = await Backupctl.RunAsync(socket, "snapshot");

        Assert.That(refused.ExitCode, Is.EqualTo(1), refused.ToString);
        Assert.That(refused.StandardError, Does.Contain("insufficient_space").And.Match(@"\d+\.\d [KMG]iB free, \d+\.\d [KMG]iB needed").And.Contain("Snapshots.ReserveBytes"));
        Assert.That(Directory.GetFiles(snapshots, "*.db"), Has.Length.EqualTo(1));
    }

    /// <summary>A hostile client: <c>socat -u SOURCE UNIX-CONNECT:socket</c> as nobody, sending and never reading.</summary>
    private Process Socat(string source) =>
        ProcessRunner.StartBackground("runuser", ["-u", "nobody", "-g", "nogroup", "--", "socat", "-u", source, $"UNIX-CONNECT:{Socket}"],
            Dir.Combine("socat.log"));

}
