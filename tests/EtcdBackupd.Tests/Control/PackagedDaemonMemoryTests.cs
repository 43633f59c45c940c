using EtcdBackupd.Tests.Packaging;
using EtcdBackupd.Tests.Snapshots;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Control;

/// <summary>
/// The daemon operators install (the packaged Native AOT binary), read from outside through /proc while
/// its control socket is busy: what it holds after requests stays near what it holds idle.
/// In the Memory category, which runs alone after the rest, so that no other test's load shifts it.
/// </summary>
[TestFixture]
[Category(SnapshotMemoryTests.Category)]
[Parallelizable(ParallelScope.None)]
internal sealed class PackagedDaemonMemoryTests
{
    /// <summary>
    /// Four rounds of three thousand requests (questions and garbage, as in ControlChannelTests), and after
    /// each the daemon's anonymous memory is under 32 MiB: 9 MiB idle, 12-22 MiB measured after the rounds,
    /// in steps of the collector's 4 MiB regions. The collector's gen0 budget, capped at 4 MiB by the
    /// project (System.GC.Gen0MaxBudget), is what keeps it there: at the runtime's default, sized from the
    /// CPU cache, the garbage of each request stays on fresh pages until the budget is spent: on a machine
    /// with a 260 MiB L3, garbage alone left 65 MiB after one round and 91 MiB after two. Where the
    /// cache is small the default budget is too, and this test cannot tell the cap is missing; the numbers
    /// above are why the cap is there.
    /// </summary>
    [Test]
    [CancelAfter(240_000)]
    public async Task PackagedDaemon_TwelveThousandRequests_LeaveItsAnonymousMemoryUnder32MiB()
    {
        var token = TestContext.CurrentContext.CancellationToken;
        await using var cluster = await EtcdCluster.StartAsync(EtcdBinaries.V34, 1);
        using var package = await PackageTests.ExtractAsync("deb");
        await using var host = await ControlledDaemon.StartAsync("daemon-memory", cluster, config => config["Control"]!["IdleSeconds"] = 2,
            program: package.Combine("usr", "bin", "etcd-backupd"));
        var (daemon, socket) = (host.Daemon, host.Socket);
        var traffic = ControlTraffic.Questions.Concat(ControlTraffic.Garbage).ToList();
        var random = new Random(20261127);
        var status = $"/proc/{daemon.Id}/status";
        var buffer = new byte[4096];

        var levels = new List<long>();
        for (var round = 0; round < 4; round++)
        {
            await ControlTraffic.SendAsync(socket, 3000, random, traffic, token);
            await Task.Delay(TimeSpan.FromSeconds(3), token); // the clients left waiting time out (Control.IdleSeconds)
            levels.Add(ProcStatus.Read(status, ProcStatus.RssAnon, buffer));
        }

        TestContext.Progress.WriteLine($"packaged daemon: RssAnon after each 3000 requests {string.Join(", ", levels)} KiB");

        Assert.That(daemon.HasExited, Is.False, daemon.Log);
        Assert.That(levels.Max(), Is.LessThan(32 * 1024), $"RssAnon after each 3000 requests: {string.Join(", ", levels)} KiB");
    }

    /// <summary>
    /// The code the daemon and a snapshot run is laid out together (IlcOrderFile, the list in
    /// src/EtcdBackupd/function-order.txt), so after the daemon's start and first snapshot less of the
    /// program's code is mapped: 2.9-3.3 MiB measured, where the compiler's own layout left 9.0 MiB, as the
    /// kernel maps 64 KiB around each page touched (bench/snapshot/RESULTS.md, seventh step). A list gone
    /// stale (functions renamed, new paths) shows here first; bench/layout/record.sh writes it again.
    /// </summary>
    [Test]
    [CancelAfter(120_000)]
    public async Task PackagedDaemon_AfterItsFirstSnapshot_HasLessThanSixMiBOfItsCodeMapped()
    {
        await using var cluster = await EtcdCluster.StartAsync(EtcdBinaries.V34, 1);
        using var package = await PackageTests.ExtractAsync("deb");
        var program = package.Combine("usr", "bin", "etcd-backupd");
        await using var host = await ControlledDaemon.StartAsync("daemon-code", cluster, program: program);

        var code = CodeResidentKiB(host.Daemon.Id);
        TestContext.Progress.WriteLine($"packaged daemon: {code} KiB of its code mapped after its first snapshot");

        Assert.That(host.Daemon.HasExited, Is.False, host.Daemon.Log);
        Assert.That(code, Is.InRange(1024, 6 * 1024), "KiB of the program's code resident (its executable mapping in /proc/PID/smaps)");
    }

    /// <summary>The resident KiB of the process's executable mappings of its own program (…/usr/bin/etcd-backupd).</summary>
    private static long CodeResidentKiB(int pid)
    {
        long total = 0;
        var inCode = false;
        foreach (var line in File.ReadLines($"/proc/{pid}/smaps"))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 5 && fields[0].Contains('-') && fields[1].Length == 4)
            {
                // A mapping's header: address range, permissions, offset, device, inode and, if it has one, a path.
                inCode = fields is [_, "r-xp", _, _, _, var path, ..] && path.EndsWith("/usr/bin/etcd-backupd", StringComparison.Ordinal);
            }
            else if (inCode && fields is ["Rss:", var kib, "kB"])
            {
                total += long.Parse(kib, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return total;
    }
}
