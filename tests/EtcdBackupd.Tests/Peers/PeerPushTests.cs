using EtcdBackupd.Peers;
using EtcdBackupd.Snapshots;
using EtcdBackupd.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace EtcdBackupd.Tests.Peers;

/// <summary>Copies to real OpenSSH sshd instances on loopback.</summary>
[Parallelizable(ParallelScope.None)]
internal sealed partial class PeerPushTests
{
    private TempDirectory _dir = null!;
    private string _identity = null!;
    private SshServer _a = null!;
    private SshServer _b = null!;

    [OneTimeSetUp]
    public async Task StartServersAsync()
    {
        _dir = new TempDirectory("peers");
        _identity = await SshServer.KeyPairAsync(_dir.Combine("id_ed25519"));
        _a = await SshServer.StartAsync(_dir, "a", _identity + ".pub");
        _b = await SshServer.StartAsync(_dir, "b", _identity + ".pub");
    }

    [OneTimeTearDown]
    public async Task StopServersAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        _dir.Dispose();
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Push_ToTwoPeers_ArrivesByteIdenticalWithModeOwnerOnly()
    {
        using var run = new TempDirectory("push");
        var snapshot = Snapshot(run, 4 << 20);
        var (a, b) = (Dir(run, "a"), Dir(run, "b"));

        var results = await Pusher(KnownHosts(run, _a.KnownHostsLine, _b.KnownHostsLine), Target(_a, a), Target(_b, b))
            .PushAsync(snapshot, CancellationToken.None);

        Assert.That(results.Select(r => (r.Ok, r.Skipped, r.Error)), Is.All.EqualTo((true, false, (string?)null)));
        foreach (var peer in new[] { a, b })
        {
            var copy = Path.Combine(peer, Path.GetFileName(snapshot.Path));
            Assert.That(await File.ReadAllBytesAsync(copy), Is.EqualTo(await File.ReadAllBytesAsync(snapshot.Path)));
            Assert.That(File.GetUnixFileMode(copy), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
            Assert.That(File.Exists(SnapshotFileName.ManifestOf(copy)), Is.True);
            Assert.That(Directory.GetFiles(peer, "*.part"), Is.Empty);
        }
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Push_HostKeyChanged_IsRefusedWithItsFingerprintAndTheOtherPeerStillGetsItsCopy()
    {
        using var run = new TempDirectory("changed");
        var snapshot = Snapshot(run, 64 << 10);
        var impostor = await SshServer.KeyPairAsync(run.Combine("impostor"));
        var wrongLine = $"[127.0.0.1]:{_b.Port} " + string.Join(' ', File.ReadAllText(impostor + ".pub").Split(' ')[..2]);
        var (a, b) = (Dir(run, "a"), Dir(run, "b"));

        var results = await Pusher(KnownHosts(run, _a.KnownHostsLine, wrongLine), Target(_a, a), Target(_b, b))
            .PushAsync(snapshot, CancellationToken.None);

        Assert.That(results[0].Ok, Is.True, results[0].Error);
        Assert.That(results[1].Ok, Is.False);
        Assert.That(results[1].Error, Does.Contain("CHANGED").And.Contain(Fingerprint(_b.HostKeyLine)));
        Assert.That(results[1].Attempts, Is.EqualTo(1), "a refused host key is not retried");
        Assert.That(Directory.GetFiles(b), Is.Empty);
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Push_UnknownHostKey_IsRefusedUnlessTheTargetTrustsOnFirstUse()
    {
        using var run = new TempDirectory("unknown");
        var snapshot = Snapshot(run, 64 << 10);
        var knownHosts = KnownHosts(run, _a.KnownHostsLine);

        var refused = await Pusher(knownHosts, Target(_b, Dir(run, "b"))).PushAsync(snapshot, CancellationToken.None);
        var trusted = await Pusher(knownHosts, Target(_b, Dir(run, "b2")) with { TrustOnFirstUse = true }).PushAsync(snapshot, CancellationToken.None);
        var afterwards = await Pusher(knownHosts, Target(_b, Dir(run, "b3"))).PushAsync(snapshot, CancellationToken.None);

        Assert.That(refused[0].Error, Does.Contain("is not in Peers.KnownHostsFile").And.Contain(Fingerprint(_b.HostKeyLine))
            .And.Contain(_b.KnownHostsLine));
        Assert.That(trusted[0].Ok, Is.True, trusted[0].Error);
        Assert.That(File.ReadAllText(knownHosts), Does.Contain(_b.KnownHostsLine));
        Assert.That(afterwards[0].Ok, Is.True, "the key recorded on first use is now pinned");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Push_HashedKnownHostsEntries_AreMatched()
    {
        using var run = new TempDirectory("hashed");
        var knownHosts = KnownHosts(run, _a.KnownHostsLine);
        var hash = await ProcessRunner.RunAsync("ssh-keygen", ["-H", "-f", knownHosts]);
        Assert.That(File.ReadAllText(knownHosts), Does.StartWith("|1|"), hash.ToString);

        var results = await Pusher(knownHosts, Target(_a, Dir(run, "a"))).PushAsync(Snapshot(run, 64 << 10), CancellationToken.None);

        Assert.That(results[0].Ok, Is.True, results[0].Error);
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Push_TargetDown_IsRetriedAndReportedWhileTheOthersGetTheirCopy()
    {
        using var run = new TempDirectory("down");
        var down = new PeerTarget { Host = "127.0.0.1", Port = EtcdCluster.FreePort(), Directory = Dir(run, "down") };

        var results = await Pusher(KnownHosts(run, _a.KnownHostsLine), Target(_a, Dir(run, "a")), down)
            .PushAsync(Snapshot(run, 64 << 10), CancellationToken.None);

        Assert.That(results[0].Ok, Is.True, results[0].Error);
        Assert.That((results[1].Ok, results[1].Attempts), Is.EqualTo((false, 2)));
        Assert.That(results[1].Error, Does.Contain("cannot connect").And.Contain("refused"));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Push_PeerDirectoryOnAReadOnlyFileSystem_IsRefusedSayingSo()
    {
        using var run = new TempDirectory("readonly");
        await using var tmpfs = await Tmpfs.MountAsync(run.Combine("ro"), "1m");
        await tmpfs.RemountReadOnlyAsync();

        var results = await Pusher(KnownHosts(run, _a.KnownHostsLine), Target(_a, tmpfs.Path))
            .PushAsync(Snapshot(run, 64 << 10), CancellationToken.None);

        Assert.That(results[0].Ok, Is.False);
        Assert.That(results[0].Error, Is.EqualTo($"the peer's directory {tmpfs.Path} is on a read-only file system"));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Push_ConnectionCutMidUpload_LeavesNoFileUnderTheSnapshotsName()
    {
        using var run = new TempDirectory("cut");
        var snapshot = Snapshot(run, 32 << 20);
        var peer = Dir(run, "a");
        var (pusher, cut) = CutMidUpload(run, peer);

        var results = await pusher.PushAsync(snapshot, CancellationToken.None);

        Assert.That(cut(), Is.True, "the upload finished before the connection could be cut");
        Assert.That(results[0].Ok, Is.False);
        Assert.That(File.Exists(Path.Combine(peer, Path.GetFileName(snapshot.Path))), Is.False);
        Assert.That(File.Exists(Path.Combine(peer, Path.GetFileName(SnapshotFileName.ManifestOf(snapshot.Path)))), Is.False);
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Push_IdenticalCopyAlreadyThere_IsNotSentAgain()
    {
        using var run = new TempDirectory("again");
        var snapshot = Snapshot(run, 1 << 20);
        var peer = Dir(run, "a");
        var pusher = Pusher(KnownHosts(run, _a.KnownHostsLine), Target(_a, peer));
        await pusher.PushAsync(snapshot, CancellationToken.None);
        var copy = Path.Combine(peer, Path.GetFileName(snapshot.Path));
        File.SetLastWriteTimeUtc(copy, new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc));

        var again = await pusher.PushAsync(snapshot, CancellationToken.None);

        Assert.That((again[0].Ok, again[0].Skipped), Is.EqualTo((true, true)));
        Assert.That(File.GetLastWriteTimeUtc(copy).Year, Is.EqualTo(2020), "the copy was not rewritten");
    }

    private PeerTarget Target(SshServer server, string directory) => new() { Host = "127.0.0.1", Port = server.Port, Directory = directory };

    private PeersOptions Options(string knownHosts, int attempts, params PeerTarget[] targets) => new()
    {
        Targets = targets,
        IdentityFile = _identity,
        KnownHostsFile = knownHosts,
        Attempts = attempts,
        ConnectTimeout = TimeSpan.FromSeconds(5),
    };

    private PeerPusher Pusher(string knownHosts, params PeerTarget[] targets) =>
        new(Options(knownHosts, attempts: 2, targets), TimeProvider.System, NullLogger.Instance);

    /// <summary>A pusher to server a with one attempt, whose upload is cut from the server's side once 1 MiB is through.</summary>
    private (PeerPusher Pusher, Func<bool> Cut) CutMidUpload(TempDirectory run, string peer)
    {
        var cut = false;
        var pusher = new PeerPusher(Options(KnownHosts(run, _a.KnownHostsLine), attempts: 1, Target(_a, peer)), TimeProvider.System, NullLogger.Instance)
        {
            OnUploaded = (_, uploaded) =>
            {
                if (!cut && uploaded > 1 << 20)
                {
                    cut = true;
                    _a.CutConnections();
                }
            },
        };
        return (pusher, () => cut);
    }

    private static string KnownHosts(TempDirectory run, params string[] lines)
    {
        var path = run.Combine("known_hosts");
        File.WriteAllText(path, string.Join('\n', lines) + "\n");
        return path;
    }

    private static string Dir(TempDirectory run, string name) => Directory.CreateDirectory(run.Combine(name)).FullName;

    private static string Fingerprint(string hostKeyLine) =>
        EtcdBackupd.Peers.KnownHosts.Fingerprint(Convert.FromBase64String(hostKeyLine.Split(' ')[1]));

    private static SnapshotResult Snapshot(TempDirectory run, int dbBytes, long revision = 42) =>
        SyntheticSnapshots.Result(Directory.CreateDirectory(run.Combine("local")).FullName, dbBytes, revision);
}
