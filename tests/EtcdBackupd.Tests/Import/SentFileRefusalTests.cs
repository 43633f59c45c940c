using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using EtcdBackupd.Protocol.Descriptors;
using EtcdBackupd.Tests.Support;
using static EtcdBackupd.Tests.Import.SentFileRequests;

namespace EtcdBackupd.Tests.Import;

/// <summary>
/// Files sent to the daemon with a request that are no snapshot, or requests whose files do not match what
/// they say: each is refused with a sentence, at once (a FIFO or a device never holds the daemon), and the
/// daemon goes on answering. Against a real daemon on a real etcd.
/// </summary>
[Parallelizable(ParallelScope.None)]
internal sealed class SentFileRefusalTests : DaemonOnOneMemberFixture
{
    private const string Verify = """{"command":"verify","file":"/elsewhere/snap.db","descriptor":{}}""";

    protected override string DirectoryName => "sent-refusals";

    protected override void Configure(JsonObject config) => config["Control"]!["Group"] = "nogroup";

    [TearDown]
    public async Task DaemonStillAnswersAsync()
    {
        var status = await Backupctl.RawAsync(Socket, """{"command":"status"}""");
        Assert.That(status[^1]["ok"]!.GetValue<bool>(), Is.True, "the daemon must go on answering");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Verify_OfAFifo_IsRefusedAtOnceAsNotARegularFile()
    {
        var fifo = Dir.Combine("pipe.db");
        Assert.That((await ProcessRunner.RunAsync("mkfifo", [fifo])).ExitCode, Is.Zero);
        using var file = Open(fifo);

        var answer = await SendAsync(Socket, Verify, file);

        Assert.That(Code(answer), Is.EqualTo("bad_request"));
        Assert.That(Message(answer), Does.Contain("a FIFO").And.Contain("regular file"));
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Verify_OfADirectory_IsRefusedAsNotARegularFile()
    {
        using var file = Open(Dir.Path);

        var answer = await SendAsync(Socket, Verify, file);

        Assert.That(Message(answer), Does.Contain("a directory"));
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Verify_OfDevZero_IsRefusedWithoutReadingIt()
    {
        using var file = Open("/dev/zero");

        var answer = await SendAsync(Socket, Verify, file);

        Assert.That(Code(answer), Is.EqualTo("bad_request"));
        Assert.That(Message(answer), Does.Contain("a device"));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task VerifyAndImport_OfASnapshotTruncatedMidway_AreInvalidAndLeaveNothingInTheDirectory()
    {
        var whole = Dir.Combine("whole.db");
        var saved = await ProcessRunner.RunAsync(Cluster.Binaries.Etcdctl, ["--endpoints", Cluster.Members[0].ClientUrl.ToString(), "snapshot", "save", whole],
            new Dictionary<string, string> { ["ETCDCTL_API"] = "3" });
        Assert.That(saved.ExitCode, Is.Zero, saved.ToString);
        var bytes = await File.ReadAllBytesAsync(whole);
        var halves = new[] { Dir.Combine("half.db"), Dir.Combine("pages.db") };
        await File.WriteAllBytesAsync(halves[0], bytes[..(bytes.Length / 2)]);
        // Cut at a page boundary plus 32 bytes: the size of a snapshot, the trailer wrong.
        await File.WriteAllBytesAsync(halves[1], bytes[..((bytes.Length / 2 / 512 * 512) + 32)]);
        var before = Directory.GetFiles(SnapshotsDirectory).Order().ToList();

        foreach (var half in halves)
        {
            var verify = await Backupctl.RunAsync(Socket, "verify", half);
            var import = await Backupctl.RunAsync(Socket, "import", half);
            Assert.That(verify.ExitCode, Is.EqualTo(1), verify.ToString);
            Assert.That(verify.StandardError, Does.Contain("invalid_snapshot"), verify.ToString);
            Assert.That(import.ExitCode, Is.EqualTo(1), import.ToString);
        }

        Assert.That(Directory.GetFiles(SnapshotsDirectory).Order().ToList(), Is.EqualTo(before), "a refused import leaves nothing behind");
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Verify_OfAHugeGarbageFile_IsInvalidAndTheDaemonAnswersMeanwhile()
    {
        // Sparse: 3 GiB of zeros and a trailer that is not their hash, shaped like a snapshot so that it is read whole.
        using var file = Open(SparseFile("garbage.db", (3L << 30) + 32));
        var verifying = SendAsync(Socket, Verify, file);
        var status = await Backupctl.RawAsync(Socket, """{"command":"status"}""");
        var answer = await verifying;

        Assert.That(status[^1]["ok"]!.GetValue<bool>(), Is.True, "other requests are answered while a big file is read");
        Assert.That(Code(answer), Is.EqualTo("invalid_snapshot"), Message(answer));
        Assert.That(Message(answer), Does.Contain("trailer"));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Verify_OfATerabyteThatDoesNotBeginAsASnapshot_IsInvalidAtOnce_NotHashedForMinutes()
    {
        using var file = Open(SparseFile("not-bolt.db", (1L << 40) + 32, boltHeader: false));

        // Read whole, it would take ten minutes or more: a TimeoutException says it was.
        var answer = await SendAsync(Socket, Verify, file).WaitAsync(TimeSpan.FromSeconds(50));

        Assert.That(Code(answer), Is.EqualTo("invalid_snapshot"), Message(answer));
        Assert.That(Message(answer), Does.Contain("does not begin with a bbolt database header"));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Verify_OfASparseTerabyteWhoseCallerLeaves_StopsReadingIt()
    {
        // A terabyte of zeros shaped like a snapshot costs a member of Control.Group nothing to make; hashed
        // through, it would hold a core for ten minutes or more.
        var huge = SparseFile("terabyte.db", (1L << 40) + 32);
        using (var file = Open(huge))
        using (await ConnectAndSendAsync(Socket, Verify, file))
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        File.Delete(huge);
        // The daemon finds the caller gone when its next keep-alive (every 5 s) cannot be written.
        await Task.Delay(TimeSpan.FromSeconds(7));
        var before = ProcessCpu.Seconds(Daemon.Id);
        await Task.Delay(TimeSpan.FromSeconds(3));
        var spent = ProcessCpu.Seconds(Daemon.Id) - before;

        Assert.That(spent, Is.LessThan(1.0), "the daemon went on reading a file nobody waits for");
    }

    [Test]
    [CancelAfter(90_000)]
    public async Task Verify_ByAMemberOfTheGroup_RunsOneAtATimeWhileAnotherMembersAndRootsAreNotHeldUp()
    {
        // A member's sparse terabyte holds its turn for minutes; its next verify waits behind it, another member's and root's do not.
        var huge = SparseFile("members-terabyte.db", (1L << 40) + 32);
        File.SetUnixFileMode(huge, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var small = SyntheticSnapshots.Write(SnapshotsDirectory, DateTimeOffset.UtcNow.AddDays(-1), revision: 4, withManifest: true);
        var holder = ProcessRunner.StartBackground("runuser", ["-u", "nobody", "-g", "nogroup", "--", "dotnet", ReadableCopy.Of("etcd-backupctl.dll"),
            "--socket", Socket, "--timeout", "600", "verify", huge], Dir.Combine("holder.log"),
            new Dictionary<string, string> { ["DOTNET_CLI_HOME"] = "/tmp", ["HOME"] = "/tmp" });
        try
        {
            await Daemon.WaitForLogAsync("Control request 'verify' from uid 65534", TimeSpan.FromSeconds(30));
            var waiting = await Backupctl.RunAsAsync("nobody", "nogroup", Socket, "--timeout", "3", "verify", Path.GetFileName(small));
            var another = await Backupctl.RunAsAsync("daemon", "nogroup", Socket, "--timeout", "10", "verify", Path.GetFileName(small));
            var root = await Backupctl.RunAsync(Socket, "--timeout", "10", "verify", Path.GetFileName(small));

            Assert.That(waiting.ExitCode, Is.EqualTo(4), waiting.ToString);
            Assert.That(another.ExitCode, Is.Zero, another.ToString);
            Assert.That(root.ExitCode, Is.Zero, root.ToString);
        }
        finally
        {
            ProcessRunner.Kill(holder);
            holder.WaitForExit();
        }

        // The turn is given back once the holder is gone (its next keep-alive, within 5 s, cannot be written).
        var after = await Backupctl.RunAsAsync("nobody", "nogroup", Socket, "--timeout", "30", "verify", Path.GetFileName(small));
        Assert.That(after.ExitCode, Is.Zero, after.ToString);
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Verify_FromAClientThatShutsDownItsSendingSide_IsStillAnswered()
    {
        // As socat or nc -N do once the request is sent: the client still reads.
        using var file = Open(SparseFile("half-closed.db", (1L << 20) + 32));
        using var client = await ConnectAndSendAsync(Socket, Verify, file);
        using var reader = new StreamReader(new NetworkStream(client));
        client.Shutdown(SocketShutdown.Send);
        var answer = await AnswerAsync(reader);

        Assert.That(Code(answer), Is.EqualTo("invalid_snapshot"), () => answer.ToJsonString());
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Verify_ClaimingADescriptorButSendingNone_IsABadRequest()
    {
        var answer = await SendAsync(Socket, Verify);

        Assert.That(Code(answer), Is.EqualTo("bad_request"));
        Assert.That(Message(answer), Does.Contain("no open file came"));
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Verify_WithTwoDescriptors_IsABadRequestAndBothAreClosed()
    {
        using var one = Open("/dev/null");
        using var two = Open("/dev/null");
        var before = OpenDescriptorsOfDaemon().Count(t => t == "/dev/null");

        var answer = await SendAsync(Socket, Verify, one, two);

        Assert.That(Code(answer), Is.EqualTo("bad_request"));
        Assert.That(Message(answer), Does.Contain("exactly one open file").And.Contain("2 came"));
        Assert.That(OpenDescriptorsOfDaemon().Count(t => t == "/dev/null"), Is.EqualTo(before), "the daemon keeps no descriptor it was sent");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Verify_SentAByteAtATimeWithFourDescriptorsOnEach_HoldsAtMostFourOfThemAndIsABadRequest()
    {
        SafeHandle[] nulls = [Open("/dev/null"), Open("/dev/null"), Open("/dev/null"), Open("/dev/null")];
        var before = OpenDescriptorsOfDaemon().Count(t => t == "/dev/null");
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await client.ConnectAsync(new UnixDomainSocketEndPoint(Socket));
        var line = Encoding.UTF8.GetBytes(Verify);
        foreach (var b in line)
        {
            DescriptorPassing.Send(client, [b], nulls);
        }

        // The daemon reads each byte as it comes; give it time to take all of them.
        await Task.Delay(TimeSpan.FromSeconds(1));
        var held = OpenDescriptorsOfDaemon().Count(t => t == "/dev/null") - before;
        await client.SendAsync("\n"u8.ToArray());
        var answer = JsonNode.Parse(await new StreamReader(new NetworkStream(client)).ReadLineAsync() ?? "{}")!.AsObject();
        foreach (var handle in nulls)
        {
            handle.Dispose();
        }

        client.Dispose();

        Assert.That(held, Is.LessThanOrEqualTo(DescriptorPassing.MaxReceived), $"{line.Length * 4} descriptors were sent");
        Assert.That(Code(answer), Is.EqualTo("bad_request"), () => answer.ToJsonString());
        await Eventually.UntilAsync(() => OpenDescriptorsOfDaemon().Count(t => t == "/dev/null") == before, TimeSpan.FromSeconds(10),
            () => "the daemon to close every descriptor it was sent once the connection ended");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Status_WithADescriptorItDoesNotName_IsABadRequest()
    {
        using var one = Open("/dev/null");

        var answer = await SendAsync(Socket, """{"command":"status"}""", one);

        Assert.That(Code(answer), Is.EqualTo("bad_request"));
        Assert.That(Message(answer), Does.Contain("does not name it"));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Verify_OfAFileTheCallerCannotRead_IsAUsageErrorNamingTheReason()
    {
        var secret = Dir.Combine("root-only", "snap.db");
        Directory.CreateDirectory(Path.GetDirectoryName(secret)!);
        await File.WriteAllBytesAsync(secret, new byte[1024 + 32]);
        File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var verify = await Backupctl.RunAsAsync("nobody", "nogroup", Socket, "verify", secret);

        Assert.That(verify.ExitCode, Is.EqualTo(2), verify.ToString);
        Assert.That(verify.StandardError, Does.Contain($"cannot open '{secret}'").And.Contain("ermission denied"), verify.ToString);
    }

    /// <summary>A file of <paramref name="bytes"/> zeros that takes no room (sparse), in the test's directory.</summary>
    /// <summary>Zeros shaped like a snapshot: its size, and, unless told otherwise, bbolt's header first, so that it is read whole.</summary>
    private string SparseFile(string name, long bytes, bool boltHeader = true)
    {
        var path = Dir.Combine(name);
        using var stream = File.Create(path);
        if (boltHeader)
        {
            stream.Write(SyntheticSnapshots.BoltHeader);
        }

        stream.SetLength(bytes);
        return path;
    }

    private List<string> OpenDescriptorsOfDaemon() =>
        [.. Directory.GetFiles($"/proc/{Daemon.Id}/fd").Select(fd => new FileInfo(fd).LinkTarget ?? "")];
}
