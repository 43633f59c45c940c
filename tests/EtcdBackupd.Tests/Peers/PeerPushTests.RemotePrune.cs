using EtcdBackupd.Retention;
using EtcdBackupd.Snapshots;
using EtcdBackupd.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace EtcdBackupd.Tests.Peers;

/// <summary>Retention over SFTP on a <c>Prune: true</c> peer, against the real sshd: what a pin racing it saves.</summary>
internal sealed partial class PeerPushTests
{
    [Test]
    [CancelAfter(60_000)]
    public async Task RemotePrune_APinMadeAfterTheManifestsWereReadHereOrOnThePeer_StillSavesThatCopy()
    {
        using var run = new TempDirectory("remote-prune-pin");
        var here = Dir(run, "here");
        var peer = Dir(run, "peer");
        var copies = CopiesOnPeer(here, peer, 40, 35, 31, 2, 1, 0);

        var pin = new SnapshotPin("pinned-meanwhile", DateTimeOffset.UtcNow);
        var retention = new RemoteRetention(Options(KnownHosts(run, _a.KnownHostsLine), attempts: 1, Target(_a, peer) with { Prune = true }),
            new RetentionOptions { RetentionDays = 30, MinimumKept = 3 }, new SnapshotDirectory(here), TimeProvider.System, NullLogger<RemoteRetention>.Instance)
        {
            // The 40, 35 and 31 days old copies are decided; then an operator pins the 35 here, and another master sends the 31's pinned manifest.
            AfterDecision = () =>
            {
                SnapshotPins.Rewrite(copies[35], pin);
                var theirs = Path.Combine(peer, Path.GetFileName(SnapshotFileName.ManifestOf(copies[31])));
                File.WriteAllBytes(theirs, (ManifestFile.TryRead(theirs)! with { Pin = pin }).ToJson());
            },
        };

        await retention.PruneAsync(CancellationToken.None);

        Assert.That(Directory.GetFiles(peer, "*.db").Select(Path.GetFileName), Is.EquivalentTo(copies.Where(c => c.Key < 40).Select(c => Path.GetFileName(c.Value))),
            "only the 40 days old copy goes");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task RemotePrune_ByAMasterWhoseClockIsWeeksAhead_JudgesByThePeersNewestWrite_KeepsItsCopiesAndUploadsAndWarns()
    {
        using var run = new TempDirectory("remote-prune-clock");
        var here = Dir(run, "here");
        var peer = Dir(run, "peer");
        CopiesOnPeer(here, peer, 25, 20, 2, 1, 0);

        // Another master's upload in flight, written five minutes ago by the peer's clock.
        var uploading = Path.Combine(peer, SnapshotFileName.Build(DateTimeOffset.UtcNow, "m2", 99) + ".part");
        File.WriteAllText(uploading, "partial");
        File.SetLastWriteTimeUtc(uploading, DateTime.UtcNow.AddMinutes(-5));
        var before = Directory.GetFiles(peer).Order().ToArray();
        // Booted sixty days ahead, before NTP set the clock right.
        var ahead = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(60));
        var log = new CapturingLogger<RemoteRetention>();
        var retention = new RemoteRetention(Options(KnownHosts(run, _a.KnownHostsLine), attempts: 1, Target(_a, peer) with { Prune = true }),
            new RetentionOptions { RetentionDays = 30, MinimumKept = 3 }, new SnapshotDirectory(here), ahead, log);

        await retention.PruneAsync(CancellationToken.None);

        Assert.That(Directory.GetFiles(peer).Order(), Is.EqualTo(before), "every copy is within thirty days by the peer's clock, and the upload is live");
        Assert.That(log.Events.Reader.TryRead(out var warned) ? warned.EventName : null, Is.EqualTo("RetentionClockAhead"));
    }

    /// <summary>A snapshot of each age in days (revision = age) here, with its manifest, and a copy of both on the peer; the paths here by age.</summary>
    private static Dictionary<int, string> CopiesOnPeer(string here, string peer, params int[] ages)
    {
        var copies = new Dictionary<int, string>();
        foreach (var age in ages)
        {
            var path = SyntheticSnapshots.Write(here, DateTimeOffset.UtcNow.AddDays(-age).AddMinutes(-5), revision: age, withManifest: true);
            File.Copy(path, Path.Combine(peer, Path.GetFileName(path)));
            File.Copy(SnapshotFileName.ManifestOf(path), Path.Combine(peer, Path.GetFileName(SnapshotFileName.ManifestOf(path))));
            copies[age] = path;
        }

        return copies;
    }
}
