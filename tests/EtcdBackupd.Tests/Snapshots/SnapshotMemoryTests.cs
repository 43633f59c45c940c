using System.Security.Cryptography;
using EtcdBackupd.Etcd.Protocol;
using EtcdBackupd.Snapshots;
using EtcdBackupd.Tests.Support;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;

namespace EtcdBackupd.Tests.Snapshots;

/// <summary>
/// A snapshot's memory does not grow with the database (issue 18): measured by counting, not by timing.
/// The allocation counter is the process's, so this fixture must be the only thing running: it is not
/// parallelizable, and nothing else runs in the test process while its one test does.
/// </summary>
[NonParallelizable]
internal sealed class SnapshotMemoryTests
{
    private const long MiB = 1 << 20;

    /// <summary>Past the first 64 MiB (connection set-up, first-use JIT, buffers filling), nothing should be new.</summary>
    private const long WarmUp = 64 * MiB;

    /// <summary>
    /// gRPC's reader allocated about 19 KiB per MiB; the engine's own path now allocates nothing per
    /// message. What is left is SocketsHttpHandler's: about 380 bytes for each WINDOW_UPDATE it sends (a
    /// write-queue entry and a continuation), eight per MiB with the 1 MiB window, about 3 KiB per MiB. The
    /// issue's goal is 1 KiB; reaching it needs an HTTP/2 reader of our own (not built).
    /// </summary>
    private const double AllowedBytesPerMiB = 4096;

    [Test]
    [CancelAfter(110_000)]
    public async Task Snapshot_Of400MiB_AllocatesUnderFourKiBPerMiBAfterTheFirst64MiBAndKeepsRssAnonWithin2MiB()
    {
        using var scratch = new TempDirectory("memory");
        await using var cluster = await EtcdCluster.StartAsync(EtcdBinaries.V34, 1);
        await LoadAsync(cluster, values: 320);
        var engine = new SnapshotEngine(cluster.ClientOptions(), new SnapshotOptions { Directory = scratch.Path }, TimeProvider.System, NullLogger.Instance);
        var memory = new ProcessMemory();
        long allocatedAtWarmUp = -1, allocatedAtEnd = -1, receivedAtEnd = -1, rssAtQuarter = -1, rssAtEnd = -1;

        // The callback runs on the engine's path for every message: it reads the counters only at three points.
        var result = await engine.TakeAsync((received, total) =>
        {
            if (allocatedAtWarmUp < 0 && received >= WarmUp)
            {
                allocatedAtWarmUp = GC.GetTotalAllocatedBytes(precise: true);
            }

            if (rssAtQuarter < 0 && received >= total / 4)
            {
                rssAtQuarter = memory.RssAnonBytes();
            }

            if (received >= total)
            {
                allocatedAtEnd = GC.GetTotalAllocatedBytes(precise: true);
                receivedAtEnd = received;
                rssAtEnd = memory.RssAnonBytes();
            }
        }, CancellationToken.None);

        Assert.That(result.Manifest.SizeBytes, Is.GreaterThan(4 * WarmUp), "the database is too small to tell growth from set-up");
        Assert.That(receivedAtEnd, Is.EqualTo(result.Manifest.SizeBytes), "the last progress call did not see the whole stream");
        var bytesPerMiB = (allocatedAtEnd - allocatedAtWarmUp) / (double)((receivedAtEnd - WarmUp) / MiB);
        var rssGrowth = rssAtEnd - rssAtQuarter;
        TestContext.Out.WriteLine($"{receivedAtEnd / MiB} MiB: {bytesPerMiB:F0} bytes allocated per MiB after the first 64 MiB; " +
            $"RssAnon {rssAtQuarter / 1024} KiB at a quarter, {rssAtEnd / 1024} KiB at the end");
        Assert.Multiple(() =>
        {
            Assert.That(bytesPerMiB, Is.LessThanOrEqualTo(AllowedBytesPerMiB), "bytes allocated per MiB received after the first 64 MiB");
            Assert.That(Math.Abs(rssGrowth), Is.LessThan(2 * MiB), "RssAnon change between a quarter of the stream and its end, in bytes");
        });
    }

    /// <summary>1 MiB values: the database grows to about 1.2 times their total.</summary>
    private static async Task LoadAsync(EtcdCluster cluster, int values)
    {
        var value = ByteString.CopyFrom(RandomNumberGenerator.GetBytes((int)MiB));
        await using var connection = await cluster.ConnectAsync();
        for (var i = 0; i < values; i++)
        {
            await connection.KV.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8($"/registry/big/{i:D4}"), Value = value });
        }
    }
}
