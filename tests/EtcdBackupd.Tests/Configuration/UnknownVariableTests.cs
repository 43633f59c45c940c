namespace EtcdBackupd.Tests.Configuration;

/// <summary>ETCD_BACKUPD_Section__Key variables that name no key: refused as a key in the file is.</summary>
[NonParallelizable]
[Category("Fast")]
internal sealed class UnknownVariableTests
{
    private readonly List<string> _set = [];

    [TearDown]
    public void Unset()
    {
        foreach (var name in _set)
        {
            Environment.SetEnvironmentVariable(name, null);
        }

        _set.Clear();
    }

    [Test]
    public void CheckKeys_AMisspeltVariable_NamesItAndTheVariableMeant()
    {
        Set("ETCD_BACKUPD_Snapshot__Directory", "/srv/backups");

        var problems = UnknownKeyTests.UnknownKeys("{}");

        Assert.That(problems, Is.EqualTo(new[]
        {
            "ETCD_BACKUPD_Snapshot__Directory: Snapshot.Directory is not a known key; did you mean Snapshots.Directory (ETCD_BACKUPD_Snapshots__Directory)?",
        }));
    }

    [Test]
    public void CheckKeys_VariablesForKnownKeys_InAnyCase_AreKnown()
    {
        Set("ETCD_BACKUPD_SNAPSHOTS__RETENTIONDAYS", "5");
        Set("ETCD_BACKUPD_Etcd__Endpoints__0", "https://10.0.0.1:2379");
        Set("ETCD_BACKUPD_Peers__Targets__0__Host", "10.0.0.2");
        Set("ETCD_BACKUPD_Restore__Commands__etcd.service__Stop", "true");

        Assert.That(UnknownKeyTests.UnknownKeys("{}"), Is.Empty);
    }

    [Test]
    public void CheckKeys_AVariableWithoutTheSectionKeyShape_IsNotConfiguration()
    {
        Set("ETCD_BACKUPD_SOMETHING_ELSE", "1");

        Assert.That(UnknownKeyTests.UnknownKeys("{}"), Is.Empty);
    }

    private void Set(string name, string value)
    {
        _set.Add(name);
        Environment.SetEnvironmentVariable(name, value);
    }
}
