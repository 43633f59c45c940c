using EtcdBackupd.Restore;
using EtcdBackupd.Tests.Support;

namespace EtcdBackupd.Tests.Restore;

/// <summary>
/// What reaches systemctl. systemd is not PID 1 on a test machine, so a stand-in in systemctl's place
/// writes the arguments it was given, one a line, and fails as systemctl does without a bus.
/// </summary>
internal sealed class SystemdServiceControlTests
{
    private TempDirectory _dir = null!;
    private SystemdServiceControl _services = null!;

    [SetUp]
    public void WriteStandIn()
    {
        _dir = new TempDirectory("systemctl-stand-in");
        var standIn = _dir.Combine("systemctl");
        File.WriteAllText(standIn, $"#!/bin/sh\nprintf '%s\\n' \"$@\" >'{_dir.Combine("arguments")}'\nexit 1\n");
        File.SetUnixFileMode(standIn, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        _services = new SystemdServiceControl(standIn);
    }

    [TearDown]
    public void RemoveStandIn() => _dir.Dispose();

    /// <summary>Through <c>sh -c "systemctl is-active '…'"</c> this name would close the quote and run <c>touch</c>.</summary>
    private string Hostile => $"etcd.service'; touch '{_dir.Combine("injected")}'; '";

    [Test]
    [CancelAfter(10_000)]
    public async Task IsActive_UnitNameWithShellSyntax_ReachesSystemctlAsOneArgumentAfterTheOptions(CancellationToken cancellationToken)
    {
        var active = await _services.IsActiveAsync(Hostile, cancellationToken);

        Assert.That(active, Is.False);
        Assert.That(await File.ReadAllLinesAsync(_dir.Combine("arguments"), cancellationToken), Is.EqualTo(new[] { "is-active", "--quiet", "--", Hostile }));
        Assert.That(File.Exists(_dir.Combine("injected")), Is.False, "no shell ran the unit name");
    }

    [TestCase("stop")]
    [TestCase("start")]
    [CancelAfter(10_000)]
    public async Task StopAndStart_UnitNameWithShellSyntax_ReachesSystemctlAsOneArgumentAfterTheOptions(string verb, CancellationToken cancellationToken)
    {
        Task Run() => verb == "stop" ? _services.StopAsync(Hostile, cancellationToken) : _services.StartAsync(Hostile, cancellationToken);

        Assert.That(Run, Throws.InvalidOperationException.With.Message.Contain($"systemctl {verb} {Hostile} exited 1"));
        Assert.That(await File.ReadAllLinesAsync(_dir.Combine("arguments"), cancellationToken), Is.EqualTo(new[] { verb, "--", Hostile }));
        Assert.That(File.Exists(_dir.Combine("injected")), Is.False, "no shell ran the unit name");
    }
}
