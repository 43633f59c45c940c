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
        var copies = new Dictionary<int, string>();
        foreach (var age in new[] { 40, 35, 31, 2, 1, 0 })
        {
            var path = SyntheticSnapshots.Write(here, DateTimeOffset.UtcNow.AddDays(-age).AddMinutes(-5), revision: age, withManifest: true);
            File.Copy(path, Path.Combine(peer, Path.GetFileName(path)));
            File.Copy(SnapshotFileName.ManifestOf(path), Path.Combine(peer, Path.GetFileName(SnapshotFileName.ManifestOf(path))));
            copies[age] = path;
        }

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
}
