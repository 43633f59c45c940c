using EtcdBackupd.Snapshots;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Snapshots;

/// <summary>The check that a directory takes files, run as root at start, at reload and by <c>check</c>, in a directory another user may write.</summary>
[Category("Fast")]
internal sealed class WritableProbeTests
{
    [Test]
    public void CheckWritable_WithLinksAndDirectoriesPlantedUnderTheNamesItOnceUsed_TruncatesNothing_AndLeavesNothing()
    {
        using var dir = new TempDirectory("probe-planted");
        var snapshots = Directory.CreateDirectory(dir.Combine("snapshots")).FullName;
        var target = dir.Combine("precious");
        File.WriteAllText(target, "keep");
        // The probe's name used to be the process ID: a link there made root truncate its target, a directory there failed the start.
        File.CreateSymbolicLink(Path.Combine(snapshots, $".etcd-backupd-probe-{Environment.ProcessId}"), target);
        Directory.CreateDirectory(Path.Combine(snapshots, $".etcd-backupd-probe-{Environment.ProcessId + 1}"));
        var planted = Directory.GetFileSystemEntries(snapshots).Order().ToArray();

        var problem = SnapshotOptions.CheckWritable(snapshots);

        Assert.That(problem, Is.Null);
        Assert.That(File.ReadAllText(target), Is.EqualTo("keep"));
        Assert.That(Directory.GetFileSystemEntries(snapshots).Order(), Is.EqualTo(planted), "the probe is removed, the planted names left as they were");
    }
}
