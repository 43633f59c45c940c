using EtcdBackupd.Control.Handlers;
using EtcdBackupd.Snapshots;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Control;

/// <summary>A request's <c>file</c>: only our names in the snapshot directory; anything else is refused, never thrown on.</summary>
[Category("Fast")]
internal sealed class SnapshotPathsTests
{
    [TestCase("etcd-snapshot-20261124T050000Z-m1-r1.db\0")]
    [TestCase("\0")]
    [TestCase("../etcd-snapshot-20261124T050000Z-m1-r1.db")]
    public void Resolve_ANameWithANulOrOutsideTheDirectory_IsNotASnapshotName_NotAnException(string file)
    {
        using var dir = new TempDirectory("paths");

        Assert.That(new SnapshotPaths(new SnapshotDirectory(dir.Path)).Resolve(file), Is.Null);
    }
}
