using System.Diagnostics;
using EtcdBackupd.Tests.Packaging;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Snapshots;

internal sealed partial class SnapshotMemoryTests
{
    /// <summary>
    /// The program operators install, in a process of its own: the packaged Native AOT binary takes the same
    /// snapshot, read from outside through /proc while it runs (the native memory of the shipped build, not
    /// of this JIT host). Its anonymous memory at the stream's end is within 2 MiB of its level at a quarter,
    /// either way. Each level is the median of the readings over a tenth of the stream (from a quarter on;
    /// and the last tenth before the whole snapshot is written). On 340 MiB it stays within 5.5-5.7 MiB
    /// throughout; with plain full collections it wandered over 6.0-7.4 MiB, and in earlier runs fell by 1.1-2.6 MiB
    /// around the quarter as the collector returned the regions start-up freed.
    /// After the end the process frees the stream's buffers and exits, which says nothing about growth.
    /// Readings are taken as fast as they come; the test says so if there were too few to judge.
    /// </summary>
    [Test]
    [Order(2)]
    [CancelAfter(300_000)]
    public async Task PackagedBinarySnapshot_RssAnonAtTheEnd_IsWithin2MiBOfItsLevelAtAQuarter()
    {
        using var package = await PackageTests.ExtractAsync("deb");
        var snapshots = Directory.CreateDirectory(_directory.Combine("packaged")).FullName;
        var config = Backupd.WriteConfig(_directory.Combine("packaged.json"), _cluster, snapshots);
        var start = new ProcessStartInfo(package.Combine("usr", "bin", "etcd-backupd"))
        {
            ArgumentList = { "snapshot", "--config", config },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        var status = $"/proc/{process.Id}/status";
        var buffer = new byte[4096];
        var samples = new List<(long Written, bool Renamed, long RssAnonKiB)>();
        try
        {
            while (!process.HasExited)
            {
                var written = WrittenSoFar(snapshots);
                var rssAnon = ProcStatus.TryRead(status, ProcStatus.RssAnon, buffer);
                if (written is { } onDisk && rssAnon > 0)
                {
                    samples.Add((onDisk.Bytes, onDisk.Renamed, rssAnon));
                }

                // The test's time limit ends the wait; the finally below then stops the binary.
                await Task.Delay(5, TestContext.CurrentContext.CancellationToken);
            }

            await process.WaitForExitAsync();
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        var report = $"exit {process.ExitCode}\n{await output}{await errors}";
        Assert.That(process.ExitCode, Is.Zero, report);
        var size = new FileInfo(Directory.GetFiles(snapshots, "*.db").Single()).Length;
        var tenth = size / 10;
        // While the stream is written: not after its last bytes, when the file is fsynced and the buffers freed.
        var streaming = samples.Where(s => !s.Renamed && s.Written < size).ToList();
        var atQuarterReadings = streaming.Where(s => s.Written >= size / 4 && s.Written < size / 4 + tenth).ToList();
        var atEndReadings = streaming.Where(s => s.Written >= size - tenth).ToList();
        Assert.That(Math.Min(atQuarterReadings.Count, atEndReadings.Count), Is.GreaterThanOrEqualTo(3),
            $"too few readings to judge: {atQuarterReadings.Count} at a quarter, {atEndReadings.Count} at the end, {samples.Count} in all");
        var (atQuarter, atEnd) = (Median(atQuarterReadings), Median(atEndReadings));
        var stream = streaming.Where(s => s.Written >= size / 4).ToList();
        TestContext.Progress.WriteLine($"packaged binary, {size >> 20} MiB: {samples.Count} readings; RssAnon (median) {atQuarter} KiB at a quarter ({atQuarterReadings.Count} readings), "
            + $"{atEnd} KiB at the end ({atEndReadings.Count}), {stream.Min(s => s.RssAnonKiB)}-{stream.Max(s => s.RssAnonKiB)} KiB in between, {samples[^1].RssAnonKiB} KiB last before exit");
        Assert.That(Math.Abs(atEnd - atQuarter), Is.LessThan(RssAnonDriftKiB),
            $"RssAnon {atQuarter} KiB at a quarter, {atEnd} KiB at the end\n{report}");
    }

    private static long Median(List<(long Written, bool Renamed, long RssAnonKiB)> readings) =>
        readings.Select(r => r.RssAnonKiB).Order().ElementAt(readings.Count / 2);

    /// <summary>
    /// How much of the snapshot is on disk, and whether it has been renamed from its <c>.part</c> into place;
    /// null when the file was renamed between the listing and the look (the next reading sees the new name).
    /// </summary>
    private static (long Bytes, bool Renamed)? WrittenSoFar(string directory)
    {
        foreach (var path in Directory.EnumerateFiles(directory).Where(p => p.EndsWith(".db", StringComparison.Ordinal) || p.EndsWith(".db.part", StringComparison.Ordinal)))
        {
            try
            {
                return (new FileInfo(path).Length, !path.EndsWith(".part", StringComparison.Ordinal));
            }
            catch (FileNotFoundException)
            {
                return null;
            }
        }

        return (0, false);
    }
}
