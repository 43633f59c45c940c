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
    [OneTimeTearDown]
    public void RemoveReadableCopies() => ReadableCopy.Remove();
}
