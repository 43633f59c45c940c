namespace EtcdBackupd.Tests.Systemd;

/// <summary>The shipped etcd-backupd.service, read as text: the settings the daemon's code counts on.</summary>
[Category("Fast")]
internal sealed class UnitSettingsTests
{
    [TestCase("Type=notify")]
    [TestCase("Restart=on-failure")]
    [TestCase("RestartPreventExitStatus=2")]
    [TestCase("WatchdogSec=60s")]
    [TestCase("RuntimeDirectory=etcd-backupd")]
    [TestCase("KillMode=mixed")]
    public void Unit_HasTheServiceSettingsTheDaemonReliesOn(string line) =>
        Assert.That(File.ReadAllLines(UnitFileTests.Unit), Does.Contain(line));
}
