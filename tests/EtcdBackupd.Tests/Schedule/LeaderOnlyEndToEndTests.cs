using EtcdBackupd.Tests.Support;
using EtcdBackupd.Tests.Systemd;

namespace EtcdBackupd.Tests.Schedule;

/// <summary>Three daemons on a real three-member etcd, one per member, with a seconds-level schedule.</summary>
[Parallelizable(ParallelScope.None)]
internal sealed class LeaderOnlyEndToEndTests
{
    [Test]
    [CancelAfter(120_000)]
    public async Task ThreeDaemons_EverySecondSchedule_OnlyTheLeadersDaemonSnapshots()
    {
        using var dir = new TempDirectory("leader");
        await using var cluster = await EtcdCluster.StartAsync(EtcdBinaries.V34, 3);
        await using var probe = await cluster.ConnectAsync(cluster.Members[0]);
        var leaderId = probe.Status.Leader;
        var daemons = new List<(EtcdMember Member, DaemonProcess Daemon, string Snapshots, bool Leader)>();
        try
        {
            foreach (var member in cluster.Members)
            {
                await using var own = await cluster.ConnectAsync(member);
                var snapshots = Directory.CreateDirectory(dir.Combine(member.Name)).FullName;
                var config = Backupd.WriteConfig(dir.Combine($"{member.Name}.json"),
                    NotifyTests.DaemonConfig(cluster, snapshots, "*/2 * * * * *", member.ClientUrl));
                daemons.Add((member, DaemonProcess.Start(config, dir.Combine($"{member.Name}.log")), snapshots,
                    own.Status.Header.MemberId == leaderId));
            }

            var leader = daemons.Single(d => d.Leader);
            await leader.Daemon.WaitForLogAsync("saved and verified", TimeSpan.FromSeconds(30));
            foreach (var follower in daemons.Where(d => !d.Leader))
            {
                await follower.Daemon.WaitForLogAsync("is not the leader", TimeSpan.FromSeconds(30));
            }

            await Task.Delay(TimeSpan.FromSeconds(4));
            foreach (var d in daemons)
            {
                Assert.That(await d.Daemon.TerminateAsync(TimeSpan.FromSeconds(25)), Is.Zero, d.Daemon.Log);
            }

            Assert.That(Directory.GetFiles(leader.Snapshots, "*.db"), Has.Length.GreaterThanOrEqualTo(2), leader.Daemon.Log);
            foreach (var follower in daemons.Where(d => !d.Leader))
            {
                Assert.That(Directory.GetFiles(follower.Snapshots), Is.Empty, follower.Daemon.Log);
                Assert.That(follower.Daemon.Log, Does.Contain($"{follower.Member.Name} is not the leader (leader is {leader.Member.Name})"));
            }
        }
        finally
        {
            foreach (var d in daemons)
            {
                await d.Daemon.DisposeAsync();
            }
        }
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Stop_WhileTheScheduledRoleProbeWaitsOnAHungEtcd_ExitsZeroWithoutALoopFailure()
    {
        using var dir = new TempDirectory("stop-mid-probe");
        await using var cluster = await EtcdCluster.StartAsync(EtcdBinaries.V34, 1);
        var snapshots = Directory.CreateDirectory(dir.Combine("snapshots")).FullName;
        var config = Backupd.WriteConfig(dir.Combine("config.json"), NotifyTests.DaemonConfig(cluster, snapshots, "*/2 * * * * *", cluster.Members[0].ClientUrl));
        await using var daemon = DaemonProcess.Start(config, dir.Combine("daemon.log"));
        await daemon.WaitForLogAsync("saved and verified", TimeSpan.FromSeconds(30));
        var etcd = cluster.Members[0].Process!.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await ProcessRunner.RunAsync("kill", ["-STOP", etcd]);
        try
        {
            // The next occurrence's role probe now waits on etcd (up to Etcd.DialTimeoutSeconds) when the stop comes.
            await Task.Delay(TimeSpan.FromSeconds(3));
            var exit = await daemon.TerminateAsync(TimeSpan.FromSeconds(25));

            Assert.That(exit, Is.Zero, daemon.Log);
            Assert.That(daemon.Log, Does.Not.Contain("BackgroundService failed").And.Not.Contain("Stopped because"));
        }
        finally
        {
            await ProcessRunner.RunAsync("kill", ["-CONT", etcd]);
        }
    }
}
