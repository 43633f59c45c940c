using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests;

/// <summary>
/// Around every fixture of the run (it is in the namespace all of them are under): removes what the run
/// made outside its own scratch directories. A ProcessExit handler would not do: the test host may be
/// ended before its handlers have run.
/// </summary>
[SetUpFixture]
internal sealed class TestRun
{
    private TempDirectory? _state;

    /// <summary>
    /// Every daemon the run starts without its own <c>State.Directory</c> inherits this one through
    /// <c>$STATE_DIRECTORY</c>, as systemd would pass it, instead of the machine's /var/lib/etcd-backupd.
    /// </summary>
    [OneTimeSetUp]
    public void GiveDaemonsAStateDirectory()
    {
        _state = new TempDirectory("state");
        Environment.SetEnvironmentVariable("STATE_DIRECTORY", _state.Path);
    }

    [OneTimeTearDown]
    public void RemoveReadableCopies()
    {
        ReadableCopy.Remove();
        Environment.SetEnvironmentVariable("STATE_DIRECTORY", null);
        _state?.Dispose();
    }
}
