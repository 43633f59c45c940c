using EtcdBackupd.Restore;

namespace EtcdBackupd.Tests.Restore;

/// <summary>etcd's --initial-cluster as every restore check reads it.</summary>
[Category("Fast")]
internal sealed class InitialClusterFlagTests
{
    [Test]
    public void Members_ANameTwiceAndAnEntryWithoutAUrl_KeepsEveryEntryInItsPlace()
    {
        var members = InitialClusterFlag.Members(" m1=https://10.0.0.1:2380, m1=https://10.0.0.9:2380,,m3 ,m2=https://10.0.0.2:2380/");

        Assert.That(members, Is.EqualTo(new (string, string?)[]
        {
            ("m1", "https://10.0.0.1:2380"), ("m1", "https://10.0.0.9:2380"), ("m3", null), ("m2", "https://10.0.0.2:2380/"),
        }));
    }
}
